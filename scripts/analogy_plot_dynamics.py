"""Rule analogy_plot_dynamics: accuracy and probability per fact type over training (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.figure_dynamics(
        table=snakemake.input.table,
        crossings=snakemake.input.crossings,
        task=snakemake.wildcards.task,
        model=snakemake.wildcards.model,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
