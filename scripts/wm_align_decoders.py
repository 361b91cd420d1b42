"""Rule wm_align_decoders: Procrustes reconstruction and swap test of one model's decoders."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    wm_jobs.align_decoders(evaluation=snakemake.input.evaluation,
                                 analysis=jobs.load_params(snakemake.params.analysis),
                                 table=snakemake.output.table)
