"""The Computation-Thru-Dynamics Benchmark study: N-bit flip-flop, MultiTask, RandomTarget.

The flip-flop lives here; the other task kinds are dispatched on `task["kind"]` to
`taskdyn.studies.ctdb.tasks`. A task's optional `train` block overrides the study's (and the
models') train settings for that task. The config checks live, free of torch, in
`taskdyn.studies.ctdb.checks`.
"""

from __future__ import annotations

import torch

from taskdyn.config import merged
from taskdyn.studies.ctdb.tasks import KINDS, bind_task, bound_task
from taskdyn.studies.sequence import SequenceStudy, split_trials, task_rng
from taskdyn.tasks.flipflop import flipflop_loss_mask, generate_flipflop
from taskdyn.training import TrainSettings


class CtdbStudy(SequenceStudy):
    """CtDB tasks on GRU / LSTM / vanilla RNN / NODE models."""

    name = "ctdb"

    def make_dataset(self, task, seed):
        if task["kind"] in KINDS:
            return KINDS[task["kind"]].make_dataset(task, seed)
        if task["kind"] != "flipflop":
            raise ValueError(f"ctdb: unknown task kind {task['kind']!r}; "
                             f"accepted: {['flipflop', *KINDS]}")
        rng = task_rng(task, seed)
        arrays = generate_flipflop(task["n_trials"], task["n_bits"], task["n_timesteps"],
                                   task["switch_prob"], task["noise"], rng)
        arrays["mask"] = flipflop_loss_mask(arrays["targets"], task["transition_blind"])
        return split_trials(arrays, task["val_fraction"], rng)

    def dataset_attrs(self, task, dataset):
        if task["kind"] in KINDS:
            return KINDS[task["kind"]].dataset_attrs(task, dataset)
        return super().dataset_attrs(task, dataset)

    def build_model(self, model, dataset_attrs):
        return bind_task(super().build_model(model, dataset_attrs), dataset_attrs.get("task"))

    def train(self, model, dataset, train_cfg, **job):
        task = bound_task(model)
        train_cfg = merged(train_cfg, task.get("train"))
        if task.get("kind") in KINDS:
            return KINDS[task["kind"]].train(model, dataset, task,
                                             TrainSettings.from_config(train_cfg), **job)
        return super().train(model, dataset, train_cfg, **job)

    def evaluate(self, model, dataset, evaluate_cfg):
        task = bound_task(model)
        if task.get("kind") in KINDS:
            return KINDS[task["kind"]].evaluate(model, dataset, task, evaluate_cfg)
        return super().evaluate(model, dataset, evaluate_cfg)

    def metrics(self, model, batch):
        outputs, _ = model(batch["inputs"])
        mask = batch["mask"]
        loss = (mask * (outputs - batch["targets"]) ** 2).mean()
        correct = ((outputs > 0.5) == (batch["targets"] > 0.5)).float()
        return {"loss": loss.item(), "mse": torch.mean((outputs - batch["targets"]) ** 2).item(),
                "bit_accuracy": ((correct * mask).sum() / mask.sum()).item()}


STUDY = CtdbStudy()
