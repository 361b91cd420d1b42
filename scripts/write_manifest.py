"""Rule write_manifest: hash every file of the run into results/<run>/manifest.json."""
from pathlib import Path

from taskdyn import jobs, manifest

with jobs.logged(snakemake.log[0], snakemake.threads):
    manifest.write_manifest(
        run_dir=Path(snakemake.output.manifest).parent, out=snakemake.output.manifest
    )
