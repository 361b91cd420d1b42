"""Rule compute_shape_similarity: Procrustes distances and linear CKA between models."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compute_shape_similarity(
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        out=snakemake.output.similarity,
    )
