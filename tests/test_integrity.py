"""Damaged files are reported by name, never half-read; a diverging run says where and stops."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from tiny import tiny_ctdb_config, tiny_flipflop_dataset

from taskdyn import jobs
from taskdyn.checkpoint import load_checkpoint, resume, save_checkpoint
from taskdyn.io import ResultFileError, read_h5, write_h5
from taskdyn.training import Diverged, TrainSettings, fit

LABEL = "study=ctdb task=3bff model=gru seed=3"  # as the train_model rule labels the job


def truncate(path: Path, fraction: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def small_checkpoint(path: Path) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters())
    save_checkpoint(path, epoch=4, model=model, optimizer=optimizer,
                    rng=np.random.default_rng(0), cfg_hash="abc", history=[{"epoch": 4}])
    return model, optimizer


def test_intact_checkpoint_resumes_its_epoch(tmp_path):
    path = tmp_path / "seed0.pt"
    model, optimizer = small_checkpoint(path)
    start, history, _ = resume(path, model=model, optimizer=optimizer,
                               rng=np.random.default_rng(1), cfg_hash="abc")
    assert (start, history) == (4, [{"epoch": 4}])


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_corrupt_checkpoint_is_named_not_silently_restarted(tmp_path, damage):
    path = tmp_path / "seed0-0123abcd.pt"
    model, optimizer = small_checkpoint(path)
    if damage == "truncated":
        truncate(path)
    else:
        path.write_bytes(b"\x00not a checkpoint" * 64)
    with pytest.raises(ResultFileError, match=str(path)):
        load_checkpoint(path)
    with pytest.raises(ResultFileError, match="truncated or corrupt"):
        resume(path, model=model, optimizer=optimizer, rng=np.random.default_rng(0),
               cfg_hash="abc")


def test_truncated_hdf5_is_named(tmp_path):
    path = tmp_path / "seed0.h5"
    write_h5(path, {"hidden": np.ones((4, 5, 3))}, dims={"hidden": "trial,time,unit"})
    assert read_h5(path)["hidden"].shape == (4, 5, 3)
    truncate(path)
    with pytest.raises(ResultFileError, match=f"{path}.*truncated or corrupt"):
        read_h5(path)


def test_unfinished_hdf5_is_named(tmp_path):
    # A file written without write_h5's final `complete` mark, e.g. by a killed writer.
    path = tmp_path / "seed0.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("hidden", data=np.ones((4, 5, 3)))
    with pytest.raises(ResultFileError, match=f"{path} was not completely written"):
        read_h5(path)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[dict, Path]:
    config = tiny_ctdb_config("test_integrity", n_timesteps=20, n_trials=40, latent_size=8,
                              seed=3, train={"epochs": 2, "batch_size": 16, "lr": 0.01})
    return tiny_flipflop_dataset(config, tmp_path_factory.mktemp("data"))


def test_truncated_weights_are_named(dataset, tmp_path):
    hp, data = dataset
    weights = tmp_path / "weights.pt"
    torch.save(torch.nn.GRU(3, 8).state_dict(), weights)
    truncate(weights)
    with pytest.raises(ResultFileError, match=str(weights)):
        jobs.load_trained_model(study="ctdb", hp=hp, data=str(data), weights=str(weights))


def test_nan_loss_names_the_job_and_leaves_no_output(dataset, tmp_path):
    hp, data = dataset
    splits, attrs = jobs.load_dataset(str(data))
    splits["train"]["inputs"][5, 3, 0] = np.nan  # one poisoned training trial
    poisoned = tmp_path / "poisoned.h5"
    write_h5(poisoned, splits, attrs={k: v for k, v in attrs.items()
                                      if k not in ("schema_version", "complete")})
    out = tmp_path / "models"
    with pytest.raises(Diverged) as err:
        jobs.train_model(study="ctdb", task_name="3bff", model_name="gru", hp=hp, seed=3,
                         data=str(poisoned), weights=str(out / "weights.pt"),
                         meta=str(out / "meta.json"), history=str(out / "history.csv"),
                         checkpoint=str(tmp_path / "ckpt.pt"))
    assert f"{LABEL}: training diverged at epoch 1" in str(err.value)
    assert not out.exists() or not any(out.iterdir())  # no weights, meta, history or temp file
    assert not (tmp_path / "ckpt.pt").exists()


def test_divergence_in_a_later_epoch_names_that_epoch(tmp_path):
    calls = []

    def loss_fn(model, batch):  # finite for two epochs of two batches, then NaN
        calls.append(1)
        loss = (model(batch["x"]) ** 2).mean()
        return loss * float("nan") if len(calls) > 4 else loss

    data = {"x": torch.ones(8, 3)}
    with pytest.raises(Diverged, match=f"^{LABEL}: training diverged at epoch 3 "):
        fit(torch.nn.Linear(3, 1), data, data, loss_fn, lambda m, b: {"loss": 0.0},
            TrainSettings(epochs=5, batch_size=4), seed=0, checkpoint=tmp_path / "ckpt.pt",
            cfg_hash="abc", label=LABEL)
    # The last good state stays resumable: the checkpoint holds epoch 2, not the diverged one.
    assert load_checkpoint(tmp_path / "ckpt.pt")["epoch"] == 2
