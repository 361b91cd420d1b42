"""Rule wm_extract_features: frozen-CNN feature maps of every stimulus, cached once."""
from taskdyn import jobs
from taskdyn.studies.wm import features

with jobs.logged(snakemake.log[0], snakemake.threads):
    features.extract_stimulus_features(images=snakemake.input.images,
                                       encoder=jobs.load_params(snakemake.params.encoder),
                                       out=snakemake.output.features,
                                       pretrained=snakemake.input.get("pretrained"),
                                       pretraining=snakemake.input.get("pretraining"))
