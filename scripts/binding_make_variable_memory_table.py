"""Rule binding_make_variable_memory_table: Φ_emp against Φ for every model of a task."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.variable_memory_table(
        memories=list(snakemake.input.memories), out=snakemake.output.table
    )
