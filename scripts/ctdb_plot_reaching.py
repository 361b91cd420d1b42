"""Rule ctdb_plot_reaching: hand paths without and with bumps (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.ctdb import jobs as ctdb_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    ctdb_jobs.figure_reaching(
        evaluations=list(snakemake.input.evaluations),
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
