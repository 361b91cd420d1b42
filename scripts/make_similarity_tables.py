"""Rule make_similarity_tables: pairwise values, MDS coordinates, family separation."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.make_similarity_tables(
        results=list(snakemake.input.results),
        pairs=snakemake.output.pairs,
        embedding=snakemake.output.embedding,
        summary=snakemake.output.summary,
    )
