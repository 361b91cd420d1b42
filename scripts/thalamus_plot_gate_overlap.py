"""Rule thalamus_plot_gate_overlap: the gate-overlap figure (PDF and PNG)."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.plot_gate_overlap(
        table=snakemake.input.table, pdf=snakemake.output.pdf, png=snakemake.output.png
    )
