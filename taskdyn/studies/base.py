"""The study contract: what a study supplies so the pipeline can train, evaluate and analyse it.

A study is a package `taskdyn.studies.<name>` whose `study` module exposes `STUDY`, an instance
of a `Study` subclass. Every stage receives the same `Job` (the config slices of the task, model,
training and evaluation, the seed and the dataset's declared input files), so no study passes
its task through the dataset file or the model. A study supplies

- `make_dataset(job)`: arrays per split (`train`, `val`, ...), each `[trial, ...]`, read from
  `job.inputs` where the dataset has input files (declared, free of torch, by the study's
  `inputs.dataset_inputs`: `taskdyn.studies.get_dataset_inputs`);
- `build_model(job, dataset_attrs)`: a `torch.nn.Module`;
- `train(model, dataset, job)`: fits the model (the loop of `taskdyn.training` with the study's
  hooks);
- optionally `train_seeds(models, dataset, jobs)`: fits one model per seed as one batched
  computation (studies that set `supports_seed_batch`; the `seed_batch` config option);
- `evaluate(model, dataset, job)`: an `Evaluation` in the common layout, its `split` label in
  the codes of `taskdyn.studies.splits`.

Checks a schema cannot express are not part of `Study`: config validation runs on every parse
of the workflow, so a study exposes them as `check_config(study_cfg)` → `(key, message)` per
problem in its light `checks` module, free of torch (`taskdyn.studies.get_config_check`).

The pipeline writes the `Evaluation` as one HDF5 file per trained model; every analysis reads
only that layout (plus, for dynamics, the model's `step`), so any analysis runs on any study.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from taskdyn.provenance import config_hash
from taskdyn.training import TrainingHooks, TrainSettings, fit, tensors, train

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


@dataclass(frozen=True)
class Job:
    """One pipeline job of a study: everything its stages read besides the dataset's arrays.

    `task`, `model`, `train` and `evaluate` are the job's config slices (schema defaults filled
    in; `train` with the model's own overrides merged in); `seed` is the data seed of a dataset
    job and the training seed otherwise; `inputs` are the files the dataset reads, by name, as
    the study's `inputs.dataset_inputs` declares them; `checkpoint` is where training resumes
    from, if it was written for `cfg_hash` (the pipeline's: the hash of the training slice).
    """

    study: str
    task_name: str = ""
    task: Mapping[str, Any] = field(default_factory=dict)
    model_name: str = ""
    model: Mapping[str, Any] = field(default_factory=dict)
    train: Mapping[str, Any] = field(default_factory=dict)
    evaluate: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    inputs: Mapping[str, str] = field(default_factory=dict)
    checkpoint: str = ""
    cfg_hash: str = ""

    @classmethod
    def from_hp(cls, study: str, hp: Mapping[str, Any], **fields_: Any) -> Job:
        """The job of a training slice `hp` (`task`, `model`, `train`: `config.train_slice`),
        its checkpoints keyed by the slice's hash."""
        fields_.setdefault("cfg_hash", config_hash(hp))
        return cls(study, task=hp["task"], model=hp["model"], train=hp["train"], **fields_)

    @property
    def label(self) -> str:
        """The job's name in logs and errors."""
        return (f"study={self.study} task={self.task_name} model={self.model_name} "
                f"seed={self.seed}")

class Study(ABC):
    """One line of research: its data, models, training and evaluation."""

    name: str

    @abstractmethod
    def make_dataset(self, job: Job) -> dict[str, Arrays]:
        """Arrays per split for `job.task` (reading `job.inputs`), deterministic in `job.seed`."""

    @abstractmethod
    def build_model(self, job: Job, dataset_attrs: dict[str, Any]) -> torch.nn.Module:
        """A fresh model for `job.model`, sized from the dataset's attributes."""

    @abstractmethod
    def evaluate(self, model: torch.nn.Module, dataset: dict[str, Arrays], job: Job) -> Evaluation:
        """Run the trained model on evaluation trials (settings: `job.evaluate`)."""

    def dataset_attrs(self, job: Job, dataset: dict[str, Arrays]) -> dict[str, Any]:
        """Attributes stored with the dataset (sizes the model factory needs). A `provenance`
        mapping among them is added to the dataset's provenance record."""
        return {}

    def train(self, model: torch.nn.Module, dataset: dict[str, Arrays],
              job: Job) -> list[dict[str, float]]:
        """Fit `model` on the dataset's fixed `train` trials with the study's `loss`, validating
        on `val` with its `metrics` every epoch; studies with other data or curricula override."""
        return fit(model, tensors(dataset["train"]), tensors(dataset["val"]), self.loss,
                   self.metrics, self.train_settings(job), seed=job.seed,
                   checkpoint=job.checkpoint, cfg_hash=job.cfg_hash, label=job.label)

    def train_settings(self, job: Job) -> TrainSettings:
        """The optimisation settings of `job` (its `train` slice)."""
        return TrainSettings.from_config(job.train)

    supports_seed_batch = False

    def train_seeds(self, models: list[torch.nn.Module], dataset: dict[str, Arrays],
                    jobs: list[Job]) -> list[list[dict[str, float]]]:
        """Fit one model per seed (one job each) together; one history per seed
        (`supports_seed_batch`)."""
        raise NotImplementedError(f"study {self.name} has no seed-batched training")

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError(f"study {self.name} does not define a loss")

    def metrics(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        return {"loss": float(self.loss(model, batch))}


def train_with(model: torch.nn.Module, hooks: TrainingHooks, settings: TrainSettings,
               job: Job) -> list[dict[str, float]]:
    """`taskdyn.training.train` for `job`: its seed, checkpoint, checkpoint hash and label."""
    return train(model, hooks, settings, seed=job.seed, checkpoint=job.checkpoint,
                 cfg_hash=job.cfg_hash, label=job.label)
