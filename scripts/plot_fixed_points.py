"""Rule plot_fixed_points: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_fixed_points(
        fixed_points=snakemake.input.fixed_points,
        evaluation=snakemake.input.evaluation,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
