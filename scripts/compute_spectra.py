"""Rule compute_spectra: eigenvalues of the recurrent weights and fixed-point Jacobians."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.compute_spectra(
        evaluation=snakemake.input.evaluation,
        fixed_points=snakemake.input.get("fixed_points"),
        analysis=jobs.load_params(snakemake.params.analysis),
        out=snakemake.output.spectra,
    )
