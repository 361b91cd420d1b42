"""Rule analogy_plot_energy: Dirichlet energy against held-out analogical accuracy (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.figure_energy(
        table=snakemake.input.table,
        statistics=snakemake.input.statistics,
        task=snakemake.wildcards.task,
        model=snakemake.wildcards.model,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
