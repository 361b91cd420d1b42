"""Rule ctdb_make_fixed_point_table: a flip-flop task's fixed points at the bit cube's corners."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.make_fixed_point_table(
        fixed_points=list(snakemake.input.fixed_points),
        task=jobs.load_params(snakemake.params.task),
        table=snakemake.output.table,
    )
