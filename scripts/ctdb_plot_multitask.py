"""Rule ctdb_plot_multitask: success rate per subtask (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.figure_multitask(
        table=snakemake.input.table,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
