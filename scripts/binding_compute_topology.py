"""Rule binding_compute_topology: persistence diagrams, pairwise distances, persistence images."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.compute_topology(
        eigenvalue_tables=list(snakemake.input.eigenvalues),
        evaluations=list(snakemake.input.evaluations),
        analysis=jobs.load_params(snakemake.params.analysis),
        diagrams_table=snakemake.output.diagrams,
        distances_table=snakemake.output.distances,
        images_table=snakemake.output.images,
    )
