"""Shared helpers: the repository root and running Snakemake on a config in a scratch directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def run_snakemake(workdir: Path, config: dict | Path, *args: str,
                  check: bool = True) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in `workdir` on `config` (a dict is written there first)."""
    if isinstance(config, dict):
        path = workdir / "config.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        config = path
    cmd = [*SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(config), "--cores", "2", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake failed ({' '.join(args)}):\n{result.stdout[-4000:]}\n"
                             f"{result.stderr[-4000:]}")
    return result


@pytest.fixture
def tiny_config() -> dict:
    """The seconds-long flip-flop config used by pipeline tests."""
    return yaml.safe_load((REPO / "tests" / "configs" / "ctdb_tiny.yaml").read_text())
