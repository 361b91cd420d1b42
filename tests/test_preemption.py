"""Training stopped by a signal mid-way resumes to exactly the uninterrupted result.

On the SLURM test cluster the running training job gets SIGUSR1 (what the profile's
`--signal=USR1@300` sends before a time limit) and the profile's retry finishes it; locally
`snakemake` and its jobs get SIGTERM and a second `snakemake` finishes the run. Either way the
weights, the per-epoch history and the evaluation metrics equal those of a run never stopped.
"""

from __future__ import annotations

import re

import h5py
import pandas as pd
import pytest
import torch
from slurm import harness

from taskdyn.io import read_h5_attrs, read_table

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]
GPU_FALLBACK = "a GPU was requested but CUDA is not usable here; training on the CPU"


@pytest.fixture(params=["local", "slurm"])
def run(request, tmp_path_factory) -> harness.Run:
    if request.param == "slurm" and (reason := harness.cluster()):
        pytest.skip(f"no SLURM test cluster: {reason}")
    return harness.preempted_run(request.param, tmp_path_factory.getbasetemp() / "reliability")


def test_interrupted_training_resumes_to_the_uninterrupted_result(run, tmp_path):
    print(f"{run.name}: {run.seconds:.0f} s; " + "; ".join(run.events))  # shown with -rP
    # The first attempt stopped cleanly on the signal, after at least one checkpoint ...
    stopped = re.search(r"stopped by signal (\d+) in epoch (\d+)", run.first_output)
    assert stopped, run.first_output[-3000:]
    # ... and the one that completed resumed from that checkpoint instead of starting over.
    resumed = re.search(r"resumed from \S+ after epoch (\d+)", run.train_log())
    assert resumed and 1 <= int(resumed.group(1)) < int(stopped.group(2))
    assert GPU_FALLBACK in run.train_log()

    reference = harness.reference_training(run, tmp_path)
    weights = torch.load(run.model_dir / "weights.pt", weights_only=True)
    expected = torch.load(reference["weights.pt"], weights_only=True)
    assert weights.keys() == expected.keys()
    for name, value in expected.items():
        assert torch.equal(weights[name], value), name
    history = read_table(run.model_dir / "history.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(history,
                                  read_table(reference["history.csv"]).drop(columns="seconds"))
    assert harness.final_row(run.model_dir / "meta.json") == harness.final_row(
        reference["meta.json"])
    evaluation = run.results / "eval" / harness.STUDY / harness.TASK / harness.MODEL / "seed0.h5"
    assert read_h5_attrs(evaluation)["metrics"] == read_h5_attrs(reference["eval.h5"])["metrics"]
    with h5py.File(evaluation) as got, h5py.File(reference["eval.h5"]) as want:
        assert (got["hidden"][()] == want["hidden"][()]).all()
