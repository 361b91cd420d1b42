"""Rule wm_make_stimuli: render (or load) the wm stimulus set."""
from taskdyn import jobs
from taskdyn.studies.wm import features

with jobs.logged(snakemake.log[0], snakemake.threads):
    features.make_stimuli(stimuli=jobs.load_params(snakemake.params.stimuli),
                          out=snakemake.output.images)
