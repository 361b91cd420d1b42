"""Rule ctdb_make_psychometric_table: P(choose stimulus 1) per evidence bin, per MultiTask
Decision subtask and model × seed."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.make_psychometric_table(
        evaluations=list(snakemake.input.evaluations),
        table=snakemake.output.table,
    )
