"""The one way tests run the workflow: the repository's Snakefile in a scratch working directory.

`prepare_pipeline(workdir, config)` writes the run's config into `workdir` (a config of
tests/configs/ by name, a YAML file copied byte for byte, or a dict) and returns a `Pipeline`;
its `snakemake(...)` runs `snakemake --snakefile <repo>/Snakefile --directory <workdir>
--configfile <workdir>/config.yaml ...` and returns a `Result`, and `command(...)` gives the
same command for runs started in the background (the SLURM harness). Every file a run writes
(results/, logs/, benchmarks/, .snakemake/) lands in the working directory, never in the
checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
SNAKEFILE = REPO / "Snakefile"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
TEST_CONFIGS = REPO / "tests" / "configs"
TIMEOUT_S = 600


def named_config(name: str) -> dict[str, Any]:
    """The tiny config tests/configs/<name>.yaml."""
    return yaml.safe_load((TEST_CONFIGS / f"{name}.yaml").read_text())


@dataclass
class Result:
    """A finished `snakemake` command: its exit status and output."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together (Snakemake logs its job listing on stderr)."""
        return self.stdout + self.stderr


@dataclass
class Pipeline:
    """The repository's workflow on one config, run in the scratch directory `workdir`."""

    workdir: Path

    @property
    def configfile(self) -> Path:
        return self.workdir / "config.yaml"

    @property
    def run(self) -> str:
        """The run's name (`run:` of the config)."""
        return yaml.safe_load(self.configfile.read_text())["run"]

    @property
    def results(self) -> Path:
        """results/<run> in the working directory."""
        return self.workdir / "results" / self.run

    def path(self, relative: str | Path) -> Path:
        """A workflow-relative path (e.g. a target) inside the working directory."""
        return self.workdir / relative

    def with_config(self, config: dict[str, Any] | Path) -> Pipeline:
        """The same working directory (and its outputs) on another config, written there."""
        return prepare_pipeline(self.workdir, config)

    def command(self, *args: str | Path) -> list[str]:
        """The `snakemake` command line on this working directory and config, plus `args`."""
        # --configfile takes several files: an option must follow it, not a target
        return [*SNAKEMAKE, "--configfile", str(self.configfile), "--snakefile", str(SNAKEFILE),
                "--directory", str(self.workdir), *map(str, args)]

    def snakemake(self, *args: str | Path, cores: int | None = 2, check: bool = True,
                  timeout: float = TIMEOUT_S) -> Result:
        """Run `snakemake ... args` (targets and options) on `cores` cores (None: the profile's
        or Snakemake's choice); with `check`, fail the test on a non-zero exit status."""
        command = self.command(*args, *(["--cores", str(cores)] if cores is not None else []))
        done = subprocess.run(command, check=False, capture_output=True, text=True,
                              timeout=timeout, cwd=self.workdir)
        result = Result(command, done.returncode, done.stdout, done.stderr)
        if check and result.returncode != 0:
            raise AssertionError(f"snakemake {' '.join(map(str, args))} failed "
                                 f"({result.returncode}):\n{result.stdout[-4000:]}\n"
                                 f"{result.stderr[-4000:]}")
        return result


def prepare_pipeline(workdir: Path, config: str | dict[str, Any] | Path) -> Pipeline:
    """A `Pipeline` in `workdir` (created if missing) on `config`: the name of a config in
    tests/configs/, a dict (written as YAML), or a YAML file (copied byte for byte, so a
    malformed one stays malformed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    if isinstance(config, str):
        config = TEST_CONFIGS / f"{config}.yaml"
    target = workdir / "config.yaml"
    if isinstance(config, Path):
        shutil.copyfile(config, target)
    else:
        target.write_text(yaml.safe_dump(config, sort_keys=False))
    return Pipeline(workdir)
