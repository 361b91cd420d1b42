"""Rule wm_make_tables: the study-wide accuracy, decoding, executive, Procrustes, orthogonality,
cross-task, subspace-sharing and perturbation tables."""
from taskdyn import jobs
from taskdyn.studies.wm import jobs as wm_jobs

with jobs.logged(snakemake.log[0]):
    wm_jobs.make_tables(
        evaluations=list(snakemake.input.evaluations),
        parts={"decoding": [*snakemake.input.decoding, *snakemake.input.cnn_decoding],
               "executive": [*snakemake.input.executive, *snakemake.input.cnn_executive],
               "procrustes": list(snakemake.input.procrustes),
               "orthogonalisation": [*snakemake.input.orthogonalisation,
                                     *snakemake.input.cnn_orthogonalisation],
               "cross_task": list(snakemake.input.cross_task),
               "perturbation": list(snakemake.input.perturbation)},
        tables={name: snakemake.output[name]
                for name in ("accuracy", "decoding", "executive", "procrustes",
                             "orthogonalisation", "cross_task", "subspace_sharing",
                             "perturbation")})
