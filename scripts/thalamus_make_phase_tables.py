"""Rule thalamus_make_phase_tables: phase tags by token role (means and PCA)."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.phase_tables(
        evaluation=snakemake.input.evaluation,
        analysis=jobs.load_params(snakemake.params.analysis),
        roles_table=snakemake.output.roles,
        pca_table=snakemake.output.pca,
    )
