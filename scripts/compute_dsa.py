"""Rule compute_dsa: DSA distances between every pair of a task's models."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compute_dsa(
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        out=snakemake.output.dsa,
    )
