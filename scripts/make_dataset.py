"""Rule make_dataset: generate one task's dataset from its declared input files, if any."""
from taskdyn import jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    jobs.make_dataset(
        study=snakemake.wildcards.study,
        task_name=snakemake.wildcards.task,
        task=jobs.load_params(snakemake.params.task),
        inputs=dict(snakemake.input.items()),
        out=snakemake.output.data,
    )
