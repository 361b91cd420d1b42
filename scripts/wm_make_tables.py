"""Rule wm_make_tables: the study-wide accuracy, decoding, Procrustes, orthogonality,
cross-task and perturbation tables."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.make_tables(
        evaluations=list(snakemake.input.evaluations),
        parts={"decoding": [*snakemake.input.decoding, *snakemake.input.cnn_decoding],
               "procrustes": list(snakemake.input.procrustes),
               "orthogonalisation": [*snakemake.input.orthogonalisation,
                                     *snakemake.input.cnn_orthogonalisation],
               "cross_task": list(snakemake.input.cross_task),
               "perturbation": list(snakemake.input.perturbation)},
        tables={name: snakemake.output[name]
                for name in ("accuracy", "decoding", "procrustes", "orthogonalisation",
                             "cross_task", "perturbation")})
