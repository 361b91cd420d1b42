"""Rule binding_plot_spectra: learned against theoretical eigenvalues (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_spectra(
        eigenvalues_table=snakemake.input.eigenvalues,
        models_table=snakemake.input.models,
        task=snakemake.wildcards.task,
        max_panels=jobs.load_params(snakemake.params.analysis)["max_panels"],
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
