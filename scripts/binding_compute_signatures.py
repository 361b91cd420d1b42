"""Rule binding_compute_signatures: eigenvalue signatures of all models and their embeddings."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.compute_signatures(
        eigenvalue_tables=list(snakemake.input.eigenvalues),
        analysis=jobs.load_params(snakemake.params.analysis),
        signatures_table=snakemake.output.signatures,
        embeddings_table=snakemake.output.embeddings,
    )
