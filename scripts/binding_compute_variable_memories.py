"""Rule binding_compute_variable_memories: one model's variable-memory basis and Ψ* W_hh Ψ."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    binding.compute_variable_memories(
        hp=jobs.load_params(snakemake.params.hp),
        analysis=jobs.load_params(snakemake.params.analysis),
        data=snakemake.input.data[0],
        weights=snakemake.input.weights[0],
        evaluation=snakemake.input.evaluation[0],
        out=snakemake.output.memories,
    )
