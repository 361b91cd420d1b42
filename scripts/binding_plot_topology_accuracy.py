"""Rule binding_plot_topology_accuracy: H1 persistence against accuracy (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_topology_accuracy(
        summary_table=snakemake.input.summary,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
