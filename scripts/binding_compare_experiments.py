"""Rule binding_compare_experiments: per-task summaries and rank tests between tasks."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.compare_experiments(
        models_tables=list(snakemake.input.models),
        settings=jobs.load_params(snakemake.params.settings),
        group_by=jobs.load_params(snakemake.params.analysis)["group_by"],
        summary_table=snakemake.output.summary,
        tests_table=snakemake.output.tests,
    )
