"""Rule compute_pca: scree of one model's hidden states."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compute_pca(
        evaluation=snakemake.input.evaluation,
        analysis=jobs.load_params(snakemake.params.analysis),
        out=snakemake.output.pca,
    )
