"""Rule binding_summarise_topology: H0/H1 persistence summaries per model beside accuracy."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.summarise_topology(
        diagrams_table=snakemake.input.diagrams,
        models_tables=list(snakemake.input.models),
        analysis=jobs.load_params(snakemake.params.analysis),
        summary_table=snakemake.output.summary,
    )
