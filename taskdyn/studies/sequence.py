"""A base for open-loop sequence studies: `inputs`/`targets`/`mask` arrays and recurrent models."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from taskdyn.models import build_recurrent_model
from taskdyn.studies.base import Arrays, Evaluation, Study


class SequenceStudy(Study):
    """Datasets hold `inputs [trial,time,in]`, `targets [trial,time,out]`, `mask` like targets.

    The loss is the masked MSE averaged over all elements (masked zeros stay in the
    denominator, as in CtDB). Subclasses add task generators and task metrics.
    """

    def dataset_attrs(self, task, dataset):
        train = dataset["train"]
        return {"input_size": train["inputs"].shape[-1], "output_size": train["targets"].shape[-1],
                "n_timesteps": train["inputs"].shape[1]}

    def build_model(self, model, dataset_attrs):
        return build_recurrent_model(model, dataset_attrs["input_size"],
                                     dataset_attrs["output_size"])

    def loss(self, model, batch):
        outputs, _ = model(batch["inputs"])
        return (batch["mask"] * (outputs - batch["targets"]) ** 2).mean()

    def evaluate(self, model, dataset, evaluate_cfg):
        """Run on every held-out trial plus the first `n_train_trials` training trials."""
        n_train = evaluate_cfg.get("n_train_trials", 0)
        parts = {"val": dataset["val"], "train": _head(dataset["train"], n_train)}
        arrays = {k: np.concatenate([p[k] for p in parts.values()]) for k in parts["val"]}
        split = np.concatenate([np.full(len(p["inputs"]), i) for i, p in enumerate(parts.values())])
        batch = {k: torch.as_tensor(v) for k, v in arrays.items() if v.dtype.kind == "f"}
        model.eval()
        with torch.no_grad():
            outputs, states = model(batch["inputs"])
            held_out = {k: v[: len(dataset["val"]["inputs"])] for k, v in batch.items()}
            metrics = self.metrics(model, held_out)
        weights = {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
        labels = {"split": split.astype(np.int8), "mask": arrays["mask"].max(axis=-1)}
        labels.update({k: v for k, v in arrays.items()
                       if k not in ("inputs", "targets", "mask", "true_inputs")})
        return Evaluation(inputs=arrays["inputs"], targets=arrays["targets"],
                          outputs=outputs.numpy(), hidden=states.numpy(), labels=labels,
                          weights=weights, metrics={k: float(v) for k, v in metrics.items()})


def _head(arrays: Arrays, n: int) -> Arrays:
    return {k: v[:n] for k, v in arrays.items()}


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
