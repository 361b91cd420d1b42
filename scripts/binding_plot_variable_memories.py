"""Rule binding_plot_variable_memories: Φ_emp images and where the variables sit over time."""
from taskdyn import jobs
from taskdyn.studies.binding import jobs as binding

with jobs.logged(snakemake.log[0], snakemake.threads):
    analysis = jobs.load_params(snakemake.params.analysis)
    memories = list(snakemake.input.memories)
    binding.figure_variable_memories(
        memories=memories,
        task=snakemake.wildcards.task,
        max_models=analysis["max_models"],
        pdf=snakemake.output.pdf,
        png=snakemake.output.png,
    )
    binding.figure_variable_locations(
        memories=memories[0],
        task=snakemake.wildcards.task,
        pdf=snakemake.output.locations_pdf,
        png=snakemake.output.locations_png,
    )
