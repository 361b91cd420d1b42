"""Rule thalamus_make_dataset: parse one configuration's bAbI files into its dataset."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.make_babi_dataset(
        task=jobs.load_params(snakemake.params.task),
        files=jobs.load_params(snakemake.params.files),
        out=snakemake.output.data,
    )
