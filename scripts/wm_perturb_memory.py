"""Rule wm_perturb_memory: shift one model's held memories along decoder normals, run it on."""
from taskdyn import jobs
from taskdyn.studies.wm import perturb

with jobs.logged(snakemake.log[0], snakemake.threads):
    perturb.perturb_memory(hp=jobs.load_params(snakemake.params.hp),
                           data=snakemake.input.data,
                           weights=snakemake.input.weights,
                           evaluation=snakemake.input.evaluation,
                           analysis=jobs.load_params(snakemake.params.analysis),
                           table=snakemake.output.table)
