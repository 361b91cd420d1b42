"""Rule make_dataset: generate one task's dataset."""
from taskdyn import jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    jobs.make_dataset(
        study=snakemake.wildcards.study,
        task=jobs.load_params(snakemake.params.task),
        out=snakemake.output.data,
    )
