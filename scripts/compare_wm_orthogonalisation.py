"""Rule compare_wm_orthogonalisation: t-test of CNN against RNN orthogonalisation per model."""
from taskdyn import jobs
from taskdyn.studies.wm import analysis_jobs

with jobs.logged(snakemake.log[0]):
    analysis_jobs.compare_orthogonalisation_spaces(
        orthogonalisation=snakemake.input.orthogonalisation,
        analysis=jobs.load_params(snakemake.params.analysis),
        table=snakemake.output.table)
