"""Rule thalamus_accuracy_table: the configuration's accuracy table over models × seeds."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.accuracy_table(
        evaluations=list(snakemake.input.evaluations),
        runs=list(snakemake.params.runs),
        config=snakemake.wildcards.task,
        table=snakemake.output.table,
    )
