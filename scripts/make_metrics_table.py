"""Rule make_metrics_table: one long table of every model × seed's scores for a task."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.make_metrics_table(
        evaluations=list(snakemake.input.evaluations),
        metas=list(snakemake.input.metas),
        fixed_points=list(snakemake.input.get("fixed_points", [])),
        spectra=list(snakemake.input.get("spectra", [])),
        table=snakemake.output.table,
    )
