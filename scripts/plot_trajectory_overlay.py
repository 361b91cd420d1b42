"""Rule plot_trajectory_overlay: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_trajectory_overlay(
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
