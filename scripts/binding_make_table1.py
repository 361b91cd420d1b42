"""Rule binding_make_table1: the paper's Table 1 for the run's cells, beside the paper's."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.make_table1(
        models_tables=list(snakemake.input.models),
        tasks=jobs.load_params(snakemake.params.tasks),
        settings=jobs.load_params(snakemake.params.settings),
        table=snakemake.output.table,
        markdown=snakemake.output.markdown,
    )
