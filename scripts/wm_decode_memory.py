"""Rule wm_decode_memory: cross-time, executive vs non-executive and cross-stimulus decoding of
one model's RNN states."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.decode_memory(evaluation=snakemake.input.evaluation,
                                analysis=jobs.load_params(snakemake.params.analysis),
                                table=snakemake.output.table,
                                executive=snakemake.output.executive)
