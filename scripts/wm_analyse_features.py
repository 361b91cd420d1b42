"""Rule wm_analyse_features: decoding (cross-time, executive, cross-stimulus) and
orthogonalisation on one scenario's CNN features."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.analyse_features(
        task=snakemake.wildcards.task, data=snakemake.input.data,
        features=snakemake.input.features,
        decoding=jobs.load_params(snakemake.params.decoding),
        orthogonalisation=jobs.load_params(snakemake.params.orthogonalisation),
        decoding_table=snakemake.output.decoding,
        executive_table=snakemake.output.executive,
        orthogonalisation_table=snakemake.output.orthogonalisation)
