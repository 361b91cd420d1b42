"""Rule binding_compute_spectra: W_hh spectra against the task operator, accuracy per step."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.compute_spectra(
        evaluations=list(snakemake.input.evaluations),
        task=jobs.load_params(snakemake.params.task),
        analysis=jobs.load_params(snakemake.params.analysis),
        models_table=snakemake.output.models,
        eigenvalues_table=snakemake.output.eigenvalues,
        accuracy_table=snakemake.output.accuracy,
    )
