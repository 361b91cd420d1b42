"""Rule plot_state_r2: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_state_r2(
        table=snakemake.input.table,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
