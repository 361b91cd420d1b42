"""Rule binding_plot_persistence: example persistence diagrams (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_persistence(
        diagrams_table=snakemake.input.diagrams,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
