"""Rule train_model: train one model × seed (resumes from its checkpoint if one exists)."""
from taskdyn import jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    jobs.train_model(
        study=snakemake.wildcards.study,
        task_name=snakemake.wildcards.task,
        model_name=snakemake.wildcards.model,
        hp=jobs.load_params(snakemake.params.hp),
        seed=snakemake.params.seed,
        data=snakemake.input.data,
        weights=snakemake.output.weights,
        meta=snakemake.output.meta,
        history=snakemake.output.history,
        checkpoint=snakemake.params.checkpoint,
    )
