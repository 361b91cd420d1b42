"""Rule plot_learning_curves: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_learning_curves(
        histories=list(snakemake.input.histories),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
