"""Rule binding_plot_distances: heatmaps of diagram distances between models (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import figures

with jobs.logged(snakemake.log[0], snakemake.threads):
    figures.figure_distances(
        distances_table=snakemake.input.distances,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
