"""The study contract: what a study supplies so the pipeline can train, evaluate and analyse it.

A study is a module `taskdyn.studies.<name>` exposing `STUDY`, an instance of a `Study`
subclass. It supplies

- `make_dataset(task, seed)`: arrays per split (`train`, `val`, ...), each `[trial, ...]`;
- `build_model(model, dataset_attrs)`: a `torch.nn.Module`;
- `train(...)`: fits the model (the generic loop of `taskdyn.training` unless overridden);
- optionally `train_seeds(...)`: fits one model per seed as one batched computation (studies
  that can set `supports_seed_batch`; the `seed_batch` config option);
- `evaluate(model, dataset, evaluate_cfg)`: an `Evaluation` in the common layout.

Checks a schema cannot express are not part of `Study`: config validation runs on every parse
of the workflow, so a study may expose them as a module-level `check_config(study_cfg)` →
`(key, message)` per problem, in a light module free of torch (`taskdyn.studies.<name>.checks`
for a study package, `taskdyn.studies.<name>_checks` beside a study module; see
`taskdyn.studies.get_config_check`).

The pipeline writes the `Evaluation` as one HDF5 file per trained model; every analysis reads
only that layout (plus, for dynamics, the model's `step`), so any analysis runs on any study.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from taskdyn.training import TrainSettings, fit

Arrays = dict[str, np.ndarray]

# Axis names of the common evaluation layout.
EVALUATION_DIMS = {
    "inputs": "trial,time,input",
    "targets": "trial,time,output",
    "outputs": "trial,time,output",
    "hidden": "trial,time,unit",
}


@dataclass
class Evaluation:
    """A trained model's behaviour on evaluation trials, in the common layout.

    `labels` holds per-trial `(trial,)` or per-step `(trial, time)` variables (the `split` label
    says which trials were held out); `weights` the named recurrent matrices, the principal one
    first; `metrics` the scalar scores on held-out trials.
    """

    inputs: np.ndarray
    targets: np.ndarray
    outputs: np.ndarray
    hidden: np.ndarray
    labels: Arrays = field(default_factory=dict)
    weights: Arrays = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def arrays(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs, "targets": self.targets, "outputs": self.outputs,
            "hidden": self.hidden, "labels": self.labels, "weights": self.weights,
        }

    def dims(self) -> dict[str, str]:
        dims = dict(EVALUATION_DIMS)
        for name, value in self.labels.items():
            dims[f"labels/{name}"] = "trial" if np.ndim(value) == 1 else "trial,time"
        for name in self.weights:
            dims[f"weights/{name}"] = "unit,unit"
        return dims


class Study(ABC):
    """One line of research: its data, models, training and evaluation."""

    name: str

    @abstractmethod
    def make_dataset(self, task: dict[str, Any], seed: int) -> dict[str, Arrays]:
        """Arrays per split for the task config `task`, deterministic in `seed`."""

    @abstractmethod
    def build_model(self, model: dict[str, Any], dataset_attrs: dict[str, Any]) -> torch.nn.Module:
        """A fresh model for config `model`, sized from the dataset's attributes."""

    @abstractmethod
    def evaluate(self, model: torch.nn.Module, dataset: dict[str, Arrays],
                 evaluate_cfg: dict[str, Any]) -> Evaluation:
        """Run the trained model on evaluation trials."""

    def dataset_attrs(self, task: dict[str, Any], dataset: dict[str, Arrays]) -> dict[str, Any]:
        """Attributes stored with the dataset (sizes the model factory needs)."""
        return {}

    def train(self, model: torch.nn.Module, dataset: dict[str, Arrays], train_cfg: dict[str, Any],
              *, seed: int, checkpoint: str, cfg_hash: str, label: str) -> list[dict[str, float]]:
        """Fit `model` with the generic loop; studies with curricula or online data override."""
        return fit(model, _tensors(dataset["train"]), _tensors(dataset["val"]), self.loss,
                   self.metrics, TrainSettings.from_config(train_cfg), seed=seed,
                   checkpoint=checkpoint, cfg_hash=cfg_hash, label=label)

    supports_seed_batch = False

    def train_seeds(self, models: list[torch.nn.Module], dataset: dict[str, Arrays],
                    train_cfg: dict[str, Any], *, seeds: list[int], checkpoints: list[str],
                    cfg_hash: str, labels: list[str]) -> list[list[dict[str, float]]]:
        """Fit one model per seed together; one history per seed (`supports_seed_batch`)."""
        raise NotImplementedError(f"study {self.name} has no seed-batched training")

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError(f"study {self.name} does not define a loss")

    def metrics(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        return {"loss": float(self.loss(model, batch))}


def _tensors(arrays: Arrays) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v) for k, v in arrays.items() if v.dtype.kind in "fiub"}
