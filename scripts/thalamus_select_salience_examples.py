"""Rule thalamus_select_salience_examples: per-token salience of example test stories."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.salience_examples(
        evaluation=snakemake.input.evaluation,
        data=snakemake.input.data,
        analysis=jobs.load_params(snakemake.params.analysis),
        table=snakemake.output.table,
    )
