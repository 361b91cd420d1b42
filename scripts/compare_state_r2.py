"""Rule compare_state_r2: affine state R² between every ordered pair of a task's models."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compare_state_r2(
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        table=snakemake.output.table,
    )
