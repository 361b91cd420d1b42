"""Rule wm_compare_orthogonalisation: t-test of CNN against RNN orthogonalisation per model."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.compare_orthogonalisation_spaces(
        orthogonalisation=snakemake.input.orthogonalisation,
        accuracy=snakemake.input.accuracy,
        analysis=jobs.load_params(snakemake.params.analysis),
        table=snakemake.output.table)
