"""Rule train_seed_batch_<study>: train one model per seed together (resuming each seed's
checkpoint); write every seed's own files."""
from taskdyn import jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    jobs.train_seed_batch(
        study=snakemake.params.study,
        task_name=snakemake.wildcards.task,
        model_name=snakemake.wildcards.model,
        hp=jobs.load_params(snakemake.params.hp),
        seeds=snakemake.params.seeds,
        data=snakemake.input.data,
        weights=snakemake.output.weights,
        meta=snakemake.output.meta,
        history=snakemake.output.history,
        checkpoints=snakemake.params.checkpoints,
    )
