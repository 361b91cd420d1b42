"""Rule plot_similarity: similarity matrices and MDS maps (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_similarity(
        pairs=snakemake.input.pairs,
        embedding=snakemake.input.embedding,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
