"""Rule binding_plot_distances: heatmaps of diagram distances between models (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_distances(
        distances_table=snakemake.input.distances,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
