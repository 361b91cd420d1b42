"""Rule evaluate_model: run a trained model on evaluation trials into the common HDF5 layout."""
from taskdyn import jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    jobs.evaluate_model(
        study=snakemake.wildcards.study,
        task=snakemake.wildcards.task,
        model_name=snakemake.wildcards.model,
        hp=jobs.load_params(snakemake.params.hp),
        evaluate_cfg=jobs.load_params(snakemake.params.evaluate),
        seed=snakemake.params.seed,
        data=snakemake.input.data,
        weights=snakemake.input.weights,
        out=snakemake.output.evaluation,
    )
