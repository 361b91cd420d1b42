"""Rule ctdb_make_fixed_points_by_phase: a MultiTask task's fixed points per subtask and phase."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.make_fixed_points_by_phase_table(
        fixed_points=list(snakemake.input.fixed_points),
        table=snakemake.output.table,
    )
