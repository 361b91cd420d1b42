"""Rule plot_label_decoding: cross-time decoding matrices of one model (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_label_decoding(
        table=snakemake.input.table, pdf=snakemake.output.pdf, png=snakemake.output.png
    )
