"""Rule plot_hidden_topology: hidden-state persistence diagrams and distances (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_hidden_topology(
        diagrams=snakemake.input.diagrams,
        distances=snakemake.input.distances,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
