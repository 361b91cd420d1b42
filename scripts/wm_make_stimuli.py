"""Rule wm_make_stimuli: render (or load) the wm stimulus set."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    wm_jobs.make_stimuli(stimuli=jobs.load_params(snakemake.params.stimuli),
                           out=snakemake.output.images)
