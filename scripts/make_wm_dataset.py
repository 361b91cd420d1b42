"""Rule make_wm_dataset: one scenario's N-back trials over the cached features."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    wm_jobs.make_dataset(task=jobs.load_params(snakemake.params.task),
                           features=snakemake.input.features, out=snakemake.output.data)
