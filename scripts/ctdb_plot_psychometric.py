"""Rule ctdb_plot_psychometric: MultiTask choices against decision evidence (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.figure_psychometric(
        table=snakemake.input.table,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
