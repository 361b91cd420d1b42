"""Rule find_fixed_points: fixed points, Jacobians and stability of one trained model, and
each point's Jacobian spectral radius beside the recurrent weights'."""
from taskdyn import analysis_jobs, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis_jobs.find_model_fixed_points(
        study=snakemake.wildcards.study,
        hp=jobs.load_params(snakemake.params.hp),
        analysis=jobs.load_params(snakemake.params.analysis),
        data=snakemake.input.data,
        weights=snakemake.input.weights,
        evaluation=snakemake.input.evaluation,
        out=snakemake.output.fixed_points,
        radii=snakemake.output.radii,
    )
