"""Rule thalamus_make_gate_overlap_table: the configuration's gate overlaps over models × seeds."""
from taskdyn import jobs
from taskdyn.studies.thalamus import jobs as thalamus_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    thalamus_jobs.gate_overlap_table(
        overlaps=list(snakemake.input.overlaps), table=snakemake.output.table
    )
