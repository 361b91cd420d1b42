"""Rule thalamus_generate_babi: one generated bAbI task's train and test files."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.generate_babi(
        babi_task=snakemake.params.babi,
        generate=jobs.load_params(snakemake.params.generate),
        train=snakemake.output.train,
        test=snakemake.output.test,
    )
