"""Rule binding_plot_spectra: learned against theoretical eigenvalues (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import figures

with jobs.logged(snakemake.log[0], snakemake.threads):
    figures.figure_spectra(
        eigenvalues_table=snakemake.input.eigenvalues,
        models_table=snakemake.input.models,
        task=snakemake.wildcards.task,
        max_panels=jobs.load_params(snakemake.params.analysis)["max_panels"],
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
