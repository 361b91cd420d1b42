"""Rule analogy_make_tables: long dynamics and mechanism tables, final scores, threshold
crossings and stage order (with the mechanism onsets)."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.make_tables(
        histories=list(snakemake.input.histories),
        runs=jobs.load_params(snakemake.params.runs),
        threshold=jobs.load_params(snakemake.params.dynamics)["threshold"],
        onset_fraction=jobs.load_params(snakemake.params.mechanism)["onset_fraction"],
        dynamics=snakemake.output.dynamics,
        final=snakemake.output.final,
        crossings=snakemake.output.crossings,
        stages=snakemake.output.stages,
        mechanism=snakemake.output.mechanism,
    )
