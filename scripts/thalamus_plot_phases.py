"""Rule thalamus_plot_phases: phase tags by token role (heatmap and PCA)."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.plot_phases(
        roles_table=snakemake.input.roles,
        pca_table=snakemake.input.pca,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
