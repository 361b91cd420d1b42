"""Rule binding_plot_persistence_images: H1 persistence images per task and cloud (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis = jobs.load_params(snakemake.params.analysis)
    binding_jobs.figure_persistence_images(
        diagrams_table=snakemake.input.diagrams,
        pixel_size=analysis["pixel_size"],
        sigma=analysis["sigma"],
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
