"""Rule compute_hidden_topology: persistent homology of a task's networks' hidden states."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compute_hidden_topology(
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        diagrams_table=snakemake.output.diagrams,
        distances_table=snakemake.output.distances,
    )
