"""Rule analogy_plot_mechanism: attention, parallelism and isometry under analogical accuracy."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.figure_mechanism(
        mechanism=snakemake.input.mechanism,
        dynamics=snakemake.input.dynamics,
        crossings=snakemake.input.crossings,
        stages=snakemake.input.stages,
        task=snakemake.wildcards.task,
        model=snakemake.wildcards.model,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
