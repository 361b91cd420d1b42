"""The Snakemake pipeline end to end on a tiny flip-flop config, and its rerun semantics."""

from __future__ import annotations

import copy
import re
import subprocess

import numpy as np
import pytest

from conftest import REPO, SNAKEMAKE, run_snakemake
from taskdyn.io import read_h5_attrs, read_table

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A completed tiny run (shared by the tests of this module)."""
    import yaml

    workdir = tmp_path_factory.mktemp("pipeline")
    config = yaml.safe_load((REPO / "tests" / "configs" / "ctdb_tiny.yaml").read_text())
    run_snakemake(workdir, config)
    return workdir, config


def test_every_declared_output_exists(finished_run):
    workdir, config = finished_run
    result = run_snakemake(workdir, config, "-n")
    assert "Nothing to be done" in result.stdout + result.stderr
    results = workdir / "results" / config["run"]
    table = read_table(results / "tables/ctdb/3bff/metrics.csv")
    assert set(table["model"]) == {"gru", "node"}
    assert set(table["seed"]) == {0, 1}
    assert {"bit_accuracy", "n_stable_fixed_points", "spectral_radius"} <= set(table["metric"])
    for name in ("scree", "state_r2", "learning_curves"):
        for ext in ("pdf", "png"):
            assert (results / f"figures/ctdb/3bff/{name}.{ext}").stat().st_size > 1000
    attrs = read_h5_attrs(results / "eval/ctdb/3bff/gru/seed0.h5")
    assert attrs["provenance"]["seed"] == 0 and attrs["model"] == "gru"
    r2 = read_table(results / "tables/ctdb/3bff/state_r2.csv")
    assert np.isfinite(r2["r2"]).all()


def _scheduled_jobs(output: str) -> set[tuple[str, str]]:
    """(rule, model) of every job in a dry-run listing ('' for jobs without a model wildcard)."""
    jobs = set()
    for block in re.split(r"\n(?=(?:local)?rule )", output):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        if rule:
            model = re.search(r"wildcards:.*\bmodel=(\w+)", block)
            jobs.add((rule.group(1), model.group(1) if model else ""))
    return jobs


def test_editing_one_models_lr_reruns_only_that_model(finished_run):
    workdir, config = finished_run
    edited = copy.deepcopy(config)
    edited["studies"]["ctdb"]["models"]["gru"]["train"] = {"lr": 0.02}
    result = run_snakemake(workdir, edited, "-n")
    jobs = _scheduled_jobs(result.stdout)
    per_model = {(rule, model) for rule, model in jobs if model}
    assert ("train_model", "gru") in per_model
    assert {model for _, model in per_model} == {"gru"}, per_model
    assert ("make_dataset", "") not in jobs
    # the cross-model summaries depend on the retrained model and rerun too
    assert ("make_metrics_table", "") in jobs and ("compare_state_r2", "") in jobs


def test_lint_reports_nothing():
    result = subprocess.run([*SNAKEMAKE, "--lint"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_paper_config_builds_on_the_slurm_profile(tmp_path):
    result = subprocess.run(
        [*SNAKEMAKE, "-n", "--profile", "profiles/slurm", "--configfile", "config/paper.yaml"],
        cwd=REPO, capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    train_jobs = re.search(r"^train_model\s+(\d+)$", output, re.MULTILINE)
    assert train_jobs and int(train_jobs.group(1)) > 100, output[-3000:]
