"""Rule ctdb_make_multitask_table: per-subtask success of every MultiTask model."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.make_multitask_table(
        evaluations=list(snakemake.input.evaluations),
        table=snakemake.output.table,
    )
