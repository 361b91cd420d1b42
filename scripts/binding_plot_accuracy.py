"""Rule binding_plot_accuracy: test accuracy against horizon (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs
from taskdyn.studies.binding import longest_horizon

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_accuracy(
        accuracy_table=snakemake.input.accuracy,
        task=snakemake.wildcards.task,
        trained_horizon=longest_horizon(jobs.load_params(snakemake.params.train)),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
