"""The Computation-Thru-Dynamics Benchmark study: N-bit flip-flop, MultiTask, RandomTarget.

The flip-flop lives here; the other task kinds are dispatched on `task["kind"]` to
`taskdyn.studies.ctdb.tasks`. A task's optional `train` block overrides the study's (and the
models') train settings for that task. The config checks live, free of torch, in
`taskdyn.studies.ctdb.checks`.
"""

from __future__ import annotations

import numpy as np
import torch

from taskdyn.config import merged
from taskdyn.studies.ctdb.tasks import KINDS
from taskdyn.studies.sequence import SequenceStudy, split_trials, task_rng
from taskdyn.tasks.flipflop import flipflop_loss_mask, generate_flipflop
from taskdyn.training import TrainSettings


class CtdbStudy(SequenceStudy):
    """CtDB tasks on GRU / LSTM / vanilla RNN / NODE models."""

    name = "ctdb"

    def make_dataset(self, job):
        task = job.task
        if task["kind"] in KINDS:
            return KINDS[task["kind"]].make_dataset(job)
        if task["kind"] != "flipflop":
            raise ValueError(f"ctdb: unknown task kind {task['kind']!r}; "
                             f"accepted: {['flipflop', *KINDS]}")
        rng = task_rng(task, job.seed)
        arrays = generate_flipflop(task["n_trials"], task["n_bits"], task["n_timesteps"],
                                   task["switch_prob"], task["noise"], rng)
        arrays["mask"] = flipflop_loss_mask(arrays["targets"], task["transition_blind"])
        return split_trials(arrays, task["val_fraction"], rng)

    def dataset_attrs(self, job, dataset):
        if job.task["kind"] in KINDS:
            return KINDS[job.task["kind"]].dataset_attrs(job, dataset)
        return super().dataset_attrs(job, dataset)

    def train_settings(self, job):
        """The task's `train` block, if any, overrides the study's and the model's settings."""
        return TrainSettings.from_config(merged(job.train, job.task.get("train")))

    def train(self, model, dataset, job):
        if job.task["kind"] in KINDS:
            return KINDS[job.task["kind"]].train(model, dataset, job, self.train_settings(job))
        return super().train(model, dataset, job)

    def evaluate(self, model, dataset, job):
        """The task kind's evaluation; the flip-flop's adds each bit's state, `bit{i}`."""
        if job.task["kind"] in KINDS:
            return KINDS[job.task["kind"]].evaluate(model, dataset, job)
        evaluation = super().evaluate(model, dataset, job)
        evaluation.labels.update(flipflop_bits(evaluation.targets))
        return evaluation

    def metrics(self, model, batch):
        outputs, _ = model(batch["inputs"])
        mask = batch["mask"]
        loss = (mask * (outputs - batch["targets"]) ** 2).mean()
        correct = ((outputs > 0.5) == (batch["targets"] > 0.5)).float()
        return {"loss": loss.item(), "mse": torch.mean((outputs - batch["targets"]) ** 2).item(),
                "bit_accuracy": ((correct * mask).sum() / mask.sum()).item()}


def flipflop_bits(targets: np.ndarray) -> dict[str, np.ndarray]:
    """`bit{i}` `(trial, time)` int8: the state (0 or 1) of bit i, the flip-flop's target."""
    return {f"bit{i}": (targets[..., i] > 0.5).astype(np.int8) for i in range(targets.shape[-1])}


STUDY = CtdbStudy()
