"""A base for open-loop sequence studies: `inputs`/`targets`/`mask` arrays and recurrent models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from taskdyn.models import build_recurrent_model
from taskdyn.studies.base import Arrays, Evaluation, Study
from taskdyn.studies.splits import HELD_OUT, TRAINING, held_out, split_label
from taskdyn.training import tensors


class SequenceStudy(Study):
    """Datasets hold `inputs [trial,time,in]`, `targets [trial,time,out]`, `mask` like targets.

    The loss is the masked MSE averaged over all elements (masked zeros stay in the
    denominator, as in CtDB). Subclasses add task generators and task metrics.
    """

    def dataset_attrs(self, job, dataset):
        train = dataset["train"]
        return {"input_size": train["inputs"].shape[-1], "output_size": train["targets"].shape[-1],
                "n_timesteps": train["inputs"].shape[1]}

    def build_model(self, job, dataset_attrs):
        return build_recurrent_model(job.model, dataset_attrs["input_size"],
                                     dataset_attrs["output_size"])

    def loss(self, model, batch):
        outputs, _ = model(batch["inputs"])
        return (batch["mask"] * (outputs - batch["targets"]) ** 2).mean()

    def evaluate(self, model, dataset, job):
        """Run on every held-out trial plus the first `n_train_trials` training trials; score
        the held-out ones."""
        arrays, split = evaluation_trials(dataset, job.evaluate)
        batch = tensors(arrays)
        model.eval()
        with torch.no_grad():
            outputs, states = model(batch["inputs"])
            scored = torch.as_tensor(held_out(split))
            metrics = self.metrics(model, {k: v[scored] for k, v in batch.items()})
        weights = {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
        labels = {"split": split, "mask": arrays["mask"].max(axis=-1)}
        labels.update({k: v for k, v in arrays.items()
                       if k not in ("inputs", "targets", "mask", "true_inputs")})
        return Evaluation(inputs=arrays["inputs"], targets=arrays["targets"],
                          outputs=outputs.numpy(), hidden=states.numpy(), labels=labels,
                          weights=weights, metrics={k: float(v) for k, v in metrics.items()})


def evaluation_trials(dataset: dict[str, Arrays],
                      evaluate_cfg: Mapping[str, Any]) -> tuple[Arrays, np.ndarray]:
    """Every held-out (`val`) trial, then the first `n_train_trials` training trials, and their
    `split` label."""
    val, train = dataset["val"], _head(dataset["train"], evaluate_cfg.get("n_train_trials", 0))
    arrays = {k: np.concatenate([val[k], train[k]]) for k in val}
    split = split_label([(HELD_OUT, _n_trials(val)), (TRAINING, _n_trials(train))])
    return arrays, split


def _head(arrays: Arrays, n: int) -> Arrays:
    return {k: v[:n] for k, v in arrays.items()}


def _n_trials(arrays: Arrays) -> int:
    return len(next(iter(arrays.values())))


def split_trials(arrays: Arrays, val_fraction: float, rng: np.random.Generator) -> dict[str, Arrays]:
    """Shuffle trials and split them into `train` and `val` (at least one trial each)."""
    n = len(next(iter(arrays.values())))
    n_val = min(n - 1, max(1, round(n * val_fraction)))
    order = rng.permutation(n)
    return {"train": {k: v[order[n_val:]] for k, v in arrays.items()},
            "val": {k: v[order[:n_val]] for k, v in arrays.items()}}


def task_rng(task: dict[str, Any], seed: int) -> np.random.Generator:
    """The dataset's generator: the task's own `data_seed` if set, else the job seed."""
    return np.random.default_rng(task.get("data_seed", seed))
