"""Rule decode_labels: cross-time decoding of named labels from one model's hidden states."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.decode_labels(
        evaluation=snakemake.input.evaluation,
        analysis=jobs.load_params(snakemake.params.analysis),
        table=snakemake.output.table,
    )
