"""Rule <study>_check_claims: a study's paper claims checked against the run's tables."""
from pathlib import Path

from taskdyn import claims, jobs

with jobs.logged(snakemake.log[0], snakemake.threads):
    claims.write_claims(
        study=snakemake.params.study,
        cfg=jobs.load_params(snakemake.params.config),
        tables_dir=str(Path(snakemake.output.table).parent),
        table=snakemake.output.table,
    )
