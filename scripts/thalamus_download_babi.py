"""Rule thalamus_download_babi: fetch, verify and extract the official bAbI archive."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.fetch_babi(
        data=jobs.load_params(snakemake.params.data),
        archive=snakemake.output.archive,
    )
