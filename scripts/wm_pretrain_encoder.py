"""Rule wm_pretrain_encoder: a CNN trunk pretrained on procedural objects the task never shows."""
from taskdyn import jobs
from taskdyn.studies.wm import pretrain

with jobs.logged(snakemake.log[0], snakemake.threads):
    pretrain.pretrain_encoder(arch=snakemake.params.arch,
                              pretrain_cfg=jobs.load_params(snakemake.params.pretrain),
                              weights=snakemake.output.weights, record=snakemake.output.record)
