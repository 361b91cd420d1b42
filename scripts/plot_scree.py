"""Rule plot_scree: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_scree(
        pcas=list(snakemake.input.pcas),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
