"""A tiny run through `profiles/slurm` on a real one-node SLURM cluster, checked end to end.

The cluster (slurmctld + slurmd + munged on localhost, two fake GPUs) comes from
tests/slurm/cluster.sh; the test skips, saying why, where it cannot start. The run is the one
of test_preemption (its training job is interrupted once and retried by the profile).
"""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import torch
from slurm import harness

from taskdyn import manifest
from taskdyn.io import read_h5, read_h5_attrs, read_table

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> harness.Run:
    if reason := harness.cluster():
        pytest.skip(f"no SLURM test cluster: {reason}")
    return harness.preempted_run("slurm", tmp_path_factory.getbasetemp() / "reliability")


def test_every_job_ran_on_the_cluster(run):
    jobs = run.slurm_jobs
    training = [state for state, comment in jobs if "train_model" in comment]
    assert training == ["FAILED", "COMPLETED"]  # interrupted once, then retried by the profile
    # the datasets, the model's group twice (training interrupted), the study's group
    assert len(jobs) == 4
    # training shares its allocation with the model's evaluation and figure
    assert all("evaluate_model" in comment for state, comment in jobs if "train_model" in comment)
    assert all(state == "COMPLETED" for state, comment in jobs if "train_model" not in comment)


def test_every_output_is_there_and_sane(run):
    prefix = run.results
    study = run.config["studies"][harness.STUDY]
    task = study["tasks"][harness.TASK]
    model = f"{harness.STUDY}/{harness.TASK}/{harness.MODEL}/seed{harness.SEED}"
    data = read_h5(prefix / "data" / harness.STUDY / f"{harness.TASK}.h5")
    assert data["train/inputs"].shape[1:] == (task["n_timesteps"], task["n_bits"])
    assert np.isfinite(data["train/inputs"]).all()
    weights = torch.load(prefix / "models" / model / "weights.pt", weights_only=True)
    assert all(torch.isfinite(w).all() for w in weights.values())
    assert len(read_table(prefix / "models" / model / "history.csv")) == study["train"]["epochs"]
    metrics = read_h5_attrs(prefix / "eval" / f"{model}.h5")["metrics"]
    assert 0.5 < metrics["bit_accuracy"] <= 1.0
    table = read_table(prefix / "tables" / harness.STUDY / harness.TASK / "metrics.csv")
    bit_accuracy = table.query("metric == 'bit_accuracy'")["value"]
    assert bit_accuracy.tolist() == [metrics["bit_accuracy"]]
    figures = [prefix / "figures" / harness.STUDY / harness.TASK / name
               for name in ("learning_curves", f"{harness.MODEL}/seed{harness.SEED}/trials")]
    for figure in figures:
        assert figure.with_suffix(".png").read_bytes().startswith(PNG_SIGNATURE)
        assert figure.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


def test_manifest_lists_every_output_and_verifies(run):
    listed = {e["path"]: e for e in manifest.read_manifest(run.results)["files"]}
    assert set(listed) == set(manifest.result_files(run.results))
    model = f"models/{harness.STUDY}/{harness.TASK}/{harness.MODEL}/seed{harness.SEED}"
    assert listed[f"{model}/weights.pt"]["rule"] == "train_model"
    assert listed[f"data/{harness.STUDY}/{harness.TASK}.h5"]["rule"] == "make_dataset"
    assert all(entry["rule"] for entry in listed.values())
    verify = subprocess.run([str(harness.TASKDYN), "verify",
                             str(run.results)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
