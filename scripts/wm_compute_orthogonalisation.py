"""Rule wm_compute_orthogonalisation: decoder orthogonality in one model's encoding step."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.orthogonalisation(evaluation=snakemake.input.evaluation,
                                    analysis=jobs.load_params(snakemake.params.analysis),
                                    table=snakemake.output.table)
