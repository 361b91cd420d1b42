"""Rule thalamus_make_task_swap_table: the configuration's task-swap table over models × seeds,
and its diagonal / off-diagonal summary."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.task_swap_table(
        evaluations=list(snakemake.input.evaluations),
        runs=jobs.load_params(snakemake.params.runs),
        config=snakemake.wildcards.task,
        table=snakemake.output.table,
        summary=snakemake.output.summary,
    )
