"""A training job killed mid-run resumes from its checkpoint and ends exactly as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from taskdyn.checkpoint import load_checkpoint
from taskdyn.io import read_table
from taskdyn.jobs import make_dataset

TASK = {"kind": "flipflop", "n_bits": 3, "n_timesteps": 40, "switch_prob": 0.05, "noise": 0.15,
        "transition_blind": 4, "n_trials": 200, "val_fraction": 0.2, "data_seed": 0}
HP = {"task": TASK, "model": {"type": "gru", "latent_size": 16, "kernel": "auto"},
      "train": {"lr": 0.01, "epochs": 12, "batch_size": 16, "grad_clip": 1.0,
                "weight_decay": 0.0, "checkpoint_every": 1}}

TRAIN = """
import json, sys
from taskdyn.jobs import train_model
out = sys.argv[1]
train_model(study="ctdb", task_name="t", model_name="gru", hp=json.loads(sys.argv[2]), seed=3,
            data=sys.argv[3], weights=out + "/weights.pt", meta=out + "/meta.json",
            history=out + "/history.csv", checkpoint=out + "/ckpt.pt")
"""


def _train(out, data, **popen):
    out.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", TRAIN, str(out), json.dumps(HP), str(data)],
                            **popen)


def _wait_for_epoch(checkpoint, epoch, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if checkpoint.exists():
            try:
                if load_checkpoint(checkpoint)["epoch"] >= epoch:
                    return
            except Exception:  # written by os.replace, but be tolerant of a racing read
                pass
        assert proc.poll() is None, "training finished before it could be interrupted"
        time.sleep(0.05)
    raise TimeoutError("no checkpoint appeared")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_training_resumes_to_identical_result(tmp_path, sig):
    data = tmp_path / "data.h5"
    make_dataset(study="ctdb", task_name="t", task=TASK, out=str(data))

    reference = tmp_path / "reference"
    assert _train(reference, data).wait(timeout=300) == 0

    interrupted = tmp_path / "interrupted"
    proc = _train(interrupted, data, stderr=subprocess.PIPE, text=True)
    _wait_for_epoch(interrupted / "ckpt.pt", 3, proc)
    os.kill(proc.pid, sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0
    if sig == signal.SIGTERM:
        assert "stopped by signal" in stderr
    assert not (interrupted / "weights.pt").exists()
    assert 3 <= load_checkpoint(interrupted / "ckpt.pt")["epoch"] < HP["train"]["epochs"]

    assert _train(interrupted, data).wait(timeout=300) == 0
    ref_weights = torch.load(reference / "weights.pt")
    new_weights = torch.load(interrupted / "weights.pt")
    for name, value in ref_weights.items():
        torch.testing.assert_close(new_weights[name], value, rtol=0, atol=0)
    ref_hist, new_hist = read_table(reference / "history.csv"), read_table(interrupted / "history.csv")
    np.testing.assert_array_equal(ref_hist["val_loss"], new_hist["val_loss"])
    np.testing.assert_array_equal(ref_hist["val_bit_accuracy"], new_hist["val_bit_accuracy"])
