"""Rule plot_spectra: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_spectra(
        spectra=snakemake.input.spectra,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
