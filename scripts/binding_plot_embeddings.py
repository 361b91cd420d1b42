"""Rule binding_plot_embeddings: signature embeddings coloured by task (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_embeddings(
        embeddings_table=snakemake.input.embeddings,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
