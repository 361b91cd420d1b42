"""Rule plot_trials: draw the figure (PDF + PNG)."""
from taskdyn import figure_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    figure_jobs.figure_trials(
        evaluation=snakemake.input.evaluation,
        n_trials=jobs.load_params(snakemake.params.analysis).get("n_trials", 3),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
