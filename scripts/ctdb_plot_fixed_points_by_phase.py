"""Rule ctdb_plot_fixed_points_by_phase: one MultiTask model's fixed points, one panel per phase."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.figure_fixed_points_by_phase(
        fixed_points=snakemake.input.fixed_points[0],
        evaluation=snakemake.input.evaluation[0],
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
