"""Rule binding_plot_eigenvalue_histograms: |λ| and angle histograms against theory (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_eigenvalue_histograms(
        eigenvalues_table=snakemake.input.eigenvalues,
        task=snakemake.wildcards.task,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
