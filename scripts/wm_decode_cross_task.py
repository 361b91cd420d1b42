"""Rule wm_decode_cross_task: cross-task decoding at the encoding step of one model's states."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.decode_cross_task(evaluation=snakemake.input.evaluation,
                                    analysis=jobs.load_params(snakemake.params.analysis),
                                    table=snakemake.output.table)
