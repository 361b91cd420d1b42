"""Rule thalamus_measure_gate_overlap: one reader's kept tokens and accuracy under every task id."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.gate_overlap(
        hp=jobs.load_params(snakemake.params.hp),
        data=snakemake.input.data,
        weights=snakemake.input.weights,
        run={"model": snakemake.wildcards.model, "seed": int(snakemake.wildcards.seed)},
        config=snakemake.wildcards.task,
        batch_size=jobs.load_params(snakemake.params.batch_size),
        table=snakemake.output.table,
    )
