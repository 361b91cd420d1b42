"""The CtDB study's MultiTask and RandomTarget kinds: data, training, evaluation.

`taskdyn.studies.ctdb` keeps the flip-flop and dispatches every other `task["kind"]` to a
`TaskKind` here; each stage reads the task's settings (the arm's noise, the loss weights) from
the job. Their config checks are in `taskdyn.studies.ctdb.checks`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from taskdyn.studies.base import Arrays, Evaluation, Job, train_with
from taskdyn.studies.sequence import evaluation_trials, split_trials, task_rng
from taskdyn.studies.splits import held_out
from taskdyn.tasks import multitask as mt
from taskdyn.tasks import random_target as rt
from taskdyn.training import (
    EpochHooks,
    TrainSettings,
    grouped_batches,
    shuffled_batches,
    tensors,
)

EVAL_NOISE_SEED = 0  # MotorNet's online noise during validation and evaluation


class TaskKind(ABC):
    """One kind of CtDB task: how to draw its data, train on it and evaluate a model."""

    @abstractmethod
    def make_dataset(self, job: Job) -> dict[str, Arrays]:
        """Arrays per split (`train`, `val`) for `job.task`, deterministic in `job.seed`."""

    @abstractmethod
    def dataset_attrs(self, job: Job, dataset: dict[str, Arrays]) -> dict[str, Any]:
        """The model's input and output sizes (and the trial length)."""

    @abstractmethod
    def train(self, model: torch.nn.Module, dataset: dict[str, Arrays], job: Job,
              settings: TrainSettings) -> list[dict[str, float]]:
        """Fit `model` with `settings` (the job's, the task's `train` block merged in)."""

    @abstractmethod
    def evaluate(self, model: torch.nn.Module, dataset: dict[str, Arrays],
                 job: Job) -> Evaluation:
        """Held-out plus `n_train_trials` training trials in the common layout."""


class MultiTaskKind(TaskKind):
    """Driscoll et al.'s 15 subtasks: single-subtask batches, response-weighted MSE."""

    def make_dataset(self, job):
        task = job.task
        rng = task_rng(task, job.seed)
        arrays = mt.generate_multitask(task["subtasks"], task["n_trials_per_subtask"],
                                       task["n_timesteps"], task["bin_size"], task["num_targets"],
                                       task["noise"], rng)
        return split_by_group(arrays, arrays["subtask"], task["val_fraction"], rng)

    def dataset_attrs(self, job, dataset):
        return {"input_size": mt.N_INPUTS, "output_size": mt.N_OUTPUTS,
                "n_timesteps": job.task["n_timesteps"]}

    def train(self, model, dataset, job, settings):
        hooks = EpochHooks(tensors(dataset["train"]), tensors(dataset["val"]),
                           lambda m, batch, epoch, rng: multitask_loss(m, batch),
                           multitask_metrics,
                           grouped_batches(dataset["train"]["subtask"], settings.batch_size))
        return train_with(model, hooks, settings, job)

    def evaluate(self, model, dataset, job):
        arrays, split = evaluation_trials(dataset, job.evaluate)
        batch = tensors(arrays)
        model.eval()
        with torch.no_grad():
            outputs, states = model(batch["inputs"])
        scored = held_out(split)
        metrics = multitask_scores(outputs[scored], {k: v[scored] for k, v in batch.items()})
        outputs = outputs.numpy()
        success = mt.response_success(outputs, arrays["response_angle"], arrays["response_end"])
        for index in np.unique(arrays["subtask"][scored]):
            chosen = scored & (arrays["subtask"] == index)
            metrics[f"success_{mt.SUBTASKS[index]}"] = float(success[chosen].mean())
        labels = {k: arrays[k] for k in ("subtask", "response_start", "response_end",
                                         "response_angle", "weight", "theta1", "theta2",
                                         "evidence")}
        labels.update(split=split, success=success.astype(np.int8))
        return Evaluation(inputs=arrays["inputs"], targets=arrays["targets"], outputs=outputs,
                          hidden=states.numpy(), labels=labels, weights=_weights(model),
                          metrics=metrics)


def multitask_loss(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """CtDB's MultiTask loss: weighted squared error summed over time, mean over trials and outputs.

    The batch is cut after its longest trial (the padding weighs 0, so the loss is unchanged).
    """
    n_steps = int(batch["response_end"].max())
    outputs, _ = model(batch["inputs"][:, :n_steps])
    return _weighted_error(outputs, batch)


def multitask_metrics(model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> dict[str, float]:
    """Loss and fraction of correct responses of `model` on `batch`."""
    outputs, _ = model(batch["inputs"][:, : int(batch["response_end"].max())])
    return multitask_scores(outputs, batch)


def multitask_scores(outputs: torch.Tensor, batch: dict[str, torch.Tensor]) -> dict[str, float]:
    """Loss and fraction of correct responses (over trials) of `outputs` `[trial, time, 3]`."""
    success = mt.response_success(outputs.numpy(), batch["response_angle"].numpy(),
                                  batch["response_end"].numpy())
    return {"loss": _weighted_error(outputs, batch).item(), "success_rate": float(success.mean())}


def _weighted_error(outputs: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    n_steps = outputs.shape[1]
    error = (outputs - batch["targets"][:, :n_steps]) ** 2 * batch["weight"][:, :n_steps, None]
    return error.sum(dim=1).mean()


class RandomTargetKind(TaskKind):
    """Reaching with the MotorNet arm in closed loop; the position term ramps in over epochs."""

    def make_dataset(self, job):
        task = job.task
        rng = task_rng(task, job.seed)
        arrays = rt.generate_reaches(
            rt.make_arm(rt.ArmSettings.from_task(task)), task["n_trials"], task["n_timesteps"],
            catch_prob=task["catch_prob"], bump_prob=task["bump_prob"],
            bump_magnitude=task["bump_magnitude"], bump_duration=task["bump_duration"],
            target_on=task["target_on"], min_delay=task["min_delay"],
            context_noise=task["context_noise"], rng=rng)
        return split_trials(arrays, task["val_fraction"], rng)

    def dataset_attrs(self, job, dataset):
        return {"input_size": rt.N_INPUTS, "output_size": len(rt.MUSCLES),
                "n_timesteps": job.task["n_timesteps"]}

    def train(self, model, dataset, job, settings):
        task = job.task
        arm = rt.make_arm(rt.ArmSettings.from_task(task))

        def loss(m, batch, epoch, rng):
            run = rt.rollout(m, arm, batch, int(rng.integers(2**31)), task["arm_kernel"])
            steps = rt.included_steps(task["n_timesteps"], epoch, task["full_trial_epoch"])
            return rt.reach_loss(run["hand"], batch["goal"], run["actions"], n_included=steps,
                                 pos_weight=task["pos_weight"], act_weight=task["act_weight"])

        def metrics(m, batch):
            return reach_metrics(rt.rollout(m, arm, batch, EVAL_NOISE_SEED, task["arm_kernel"]),
                                 batch, task)

        sampler = shuffled_batches(len(dataset["train"]["goal"]), settings.batch_size)
        hooks = EpochHooks(tensors(dataset["train"]), tensors(dataset["val"]), loss, metrics,
                           sampler)
        return train_with(model, hooks, settings, job)

    def evaluate(self, model, dataset, job):
        task = job.task
        arm = rt.make_arm(rt.ArmSettings.from_task(task))
        arrays, split = evaluation_trials(dataset, job.evaluate)
        batch = tensors(arrays)
        model.eval()
        with torch.no_grad():
            run = rt.rollout(model, arm, batch, EVAL_NOISE_SEED)
        scored = torch.as_tensor(held_out(split))
        metrics = reach_metrics({k: v[scored] for k, v in run.items()},
                                {k: v[scored] for k, v in batch.items()}, task)
        run = {k: v.numpy() for k, v in run.items()}
        labels = {k: arrays[k] for k in ("catch", "bumped", "target_on", "go_cue", "bump_start")}
        force = bump_force(arrays["load"])
        labels.update(split=split, start_x=arrays["start"][:, 0], start_y=arrays["start"][:, 1],
                      target_x=arrays["target"][:, 0], target_y=arrays["target"][:, 1],
                      bump_x=force[:, 0], bump_y=force[:, 1])
        labels.update({f"activation_{name}": run["actions"][..., i]
                       for i, name in enumerate(rt.MUSCLES)})
        return Evaluation(inputs=run["inputs"], targets=arrays["goal"], outputs=run["hand"],
                          hidden=run["states"], labels=labels, weights=_weights(model),
                          metrics=metrics)


def bump_force(load: np.ndarray) -> np.ndarray:
    """Each trial's bump force (N, x/y) from its per-step `load` `[trial, time, 2]`; 0 unbumped."""
    strongest = np.abs(load).sum(axis=-1).argmax(axis=1)
    return load[np.arange(len(load)), strongest]


def reach_metrics(run: dict[str, torch.Tensor], batch: dict[str, torch.Tensor],
                  task: dict) -> dict[str, float]:
    """Full-trial loss, mean hand-goal distance (m), end-point distance (m) and mean effort."""
    distance = torch.linalg.norm(run["hand"] - batch["goal"], dim=-1)
    loss = rt.reach_loss(run["hand"], batch["goal"], run["actions"],
                         n_included=batch["goal"].shape[1], pos_weight=task["pos_weight"],
                         act_weight=task["act_weight"])
    return {"loss": loss.item(), "position_error": distance.mean().item(),
            "end_error": distance[:, -1].mean().item(),
            "effort": torch.mean(run["actions"] ** 2).item()}


KINDS: dict[str, TaskKind] = {"multitask": MultiTaskKind(), "randomtarget": RandomTargetKind()}


def split_by_group(arrays: Arrays, groups: np.ndarray, val_fraction: float,
                   rng: np.random.Generator) -> dict[str, Arrays]:
    """Split trials into `train`/`val` within each group (at least one of each per group)."""
    val = np.zeros(len(groups), bool)
    for g in np.unique(groups):
        idx = rng.permutation(np.flatnonzero(groups == g))
        val[idx[: min(len(idx) - 1, max(1, round(len(idx) * val_fraction)))]] = True
    return {"train": {k: v[~val] for k, v in arrays.items()},
            "val": {k: v[val] for k, v in arrays.items()}}


def _weights(model: torch.nn.Module) -> Arrays:
    return {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
