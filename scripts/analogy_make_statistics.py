"""Rule analogy_make_statistics: stage statistics across seeds and the energy's fall against
analogy onset per energy variant."""
from taskdyn import jobs
from taskdyn.studies.analogy import jobs as analogy_jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    analogy_jobs.make_statistics(
        dynamics=snakemake.input.dynamics,
        crossings=snakemake.input.crossings,
        fall_fraction=jobs.load_params(snakemake.params.dynamics)["fall_fraction"],
        stages=snakemake.output.stages,
        energy=snakemake.output.energy,
    )
