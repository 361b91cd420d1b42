"""Rule thalamus_make_gate_summary: each gate metric's mean over seeds and its 95 % interval."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.gate_summary_table(table=snakemake.input.table, summary=snakemake.output.summary)
