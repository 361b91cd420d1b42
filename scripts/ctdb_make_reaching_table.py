"""Rule ctdb_make_reaching_table: end-point errors and effort of every RandomTarget model."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.make_reaching_table(
        evaluations=list(snakemake.input.evaluations),
        table=snakemake.output.table,
    )
