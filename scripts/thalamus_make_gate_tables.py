"""Rule thalamus_make_gate_tables: the gate comparison and accuracy by supporting-fact distance."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.gate_tables(
        evaluations=list(snakemake.input.evaluations),
        runs=jobs.load_params(snakemake.params.runs),
        gates=jobs.load_params(snakemake.params.gates),
        config=snakemake.wildcards.task,
        comparison_table=snakemake.output.comparison,
        distance_table=snakemake.output.distance,
    )
