"""Rule binding_plot_comparison: metrics per task with rank tests (PDF + PNG)."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding_jobs.figure_comparison(
        models_tables=list(snakemake.input.models),
        settings=jobs.load_params(snakemake.params.settings),
        group_by=jobs.load_params(snakemake.params.analysis)["group_by"],
        tests_table=snakemake.input.tests,
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
