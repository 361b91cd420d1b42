"""Rule analogy_plot_sweep: final accuracy per fact type across each sweep (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.figure_sweep(
        final=snakemake.input.final,
        points=jobs.load_params(snakemake.params.points),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
