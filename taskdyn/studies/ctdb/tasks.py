"""The CtDB study's MultiTask and RandomTarget kinds: data, training, evaluation.

`taskdyn.studies.ctdb` keeps the flip-flop and dispatches every other `task["kind"]` to a
`TaskKind` here. Training and evaluation need the task's settings (the arm's noise, the loss
weights), which reach them on the model: `build_model` binds the dataset's task config to it.
Their config checks are in `taskdyn.studies.ctdb.checks`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from taskdyn.studies.base import Arrays, Evaluation
from taskdyn.studies.sequence import split_trials, task_rng
from taskdyn.tasks import multitask as mt
from taskdyn.tasks import random_target as rt
from taskdyn.training import (
    TrainSettings,
    fit_epochs,
    grouped_batches,
    shuffled_batches,
)

EVAL_NOISE_SEED = 0  # MotorNet's online noise during validation and evaluation


def bind_task(model: torch.nn.Module, task: dict[str, Any] | None) -> torch.nn.Module:
    """Attach the task config the model is trained on (read back by `bound_task`)."""
    model.ctdb_task = dict(task or {})
    return model


def bound_task(model: torch.nn.Module) -> dict[str, Any]:
    """The task config bound by `bind_task` ({} for a model built elsewhere)."""
    return getattr(model, "ctdb_task", {})


class TaskKind(ABC):
    """One kind of CtDB task: how to draw its data, train on it and evaluate a model."""

    @abstractmethod
    def make_dataset(self, task: dict, seed: int) -> dict[str, Arrays]:
        """Arrays per split (`train`, `val`) for the task config, deterministic in `seed`."""

    @abstractmethod
    def dataset_attrs(self, task: dict, dataset: dict[str, Arrays]) -> dict[str, Any]:
        """The model's input and output sizes (and the trial length)."""

    @abstractmethod
    def train(self, model: torch.nn.Module, dataset: dict[str, Arrays], task: dict,
              settings: TrainSettings, **job: Any) -> list[dict[str, float]]:
        """Fit `model`; `job` carries seed, checkpoint, cfg_hash and label."""

    @abstractmethod
    def evaluate(self, model: torch.nn.Module, dataset: dict[str, Arrays], task: dict,
                 evaluate_cfg: dict) -> Evaluation:
        """Held-out plus `n_train_trials` training trials in the common layout."""


class MultiTaskKind(TaskKind):
    """Driscoll et al.'s 15 subtasks: single-subtask batches, response-weighted MSE."""

    def make_dataset(self, task, seed):
        rng = task_rng(task, seed)
        arrays = mt.generate_multitask(task["subtasks"], task["n_trials_per_subtask"],
                                       task["n_timesteps"], task["bin_size"], task["num_targets"],
                                       task["noise"], rng)
        return split_by_group(arrays, arrays["subtask"], task["val_fraction"], rng)

    def dataset_attrs(self, task, dataset):
        return {"input_size": mt.N_INPUTS, "output_size": mt.N_OUTPUTS,
                "n_timesteps": task["n_timesteps"]}

    def train(self, model, dataset, task, settings, **job):
        train = _tensors(dataset["train"])
        sampler = grouped_batches(dataset["train"]["subtask"], settings.batch_size)
        return fit_epochs(model, train, _tensors(dataset["val"]),
                          lambda m, batch, epoch, rng: multitask_loss(m, batch),
                          multitask_metrics, sampler, settings, **job)

    def evaluate(self, model, dataset, task, evaluate_cfg):
        arrays, split = _evaluation_trials(dataset, evaluate_cfg["n_train_trials"])
        batch = _tensors(arrays)
        model.eval()
        with torch.no_grad():
            outputs, states = model(batch["inputs"])
        held_out = split == 0
        metrics = multitask_scores(outputs[held_out], {k: v[held_out] for k, v in batch.items()})
        outputs = outputs.numpy()
        success = mt.response_success(outputs, arrays["response_angle"], arrays["response_end"])
        for index in np.unique(arrays["subtask"][held_out]):
            chosen = held_out & (arrays["subtask"] == index)
            metrics[f"success_{mt.SUBTASKS[index]}"] = float(success[chosen].mean())
        labels = {k: arrays[k] for k in ("subtask", "response_start", "response_end",
                                         "response_angle", "weight")}
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

    def make_dataset(self, task, seed):
        rng = task_rng(task, seed)
        arrays = rt.generate_reaches(
            rt.make_arm(rt.ArmSettings.from_task(task)), task["n_trials"], task["n_timesteps"],
            catch_prob=task["catch_prob"], bump_prob=task["bump_prob"],
            bump_magnitude=task["bump_magnitude"], bump_duration=task["bump_duration"],
            target_on=task["target_on"], min_delay=task["min_delay"],
            context_noise=task["context_noise"], rng=rng)
        return split_trials(arrays, task["val_fraction"], rng)

    def dataset_attrs(self, task, dataset):
        return {"input_size": rt.N_INPUTS, "output_size": len(rt.MUSCLES),
                "n_timesteps": task["n_timesteps"]}

    def train(self, model, dataset, task, settings, **job):
        arm = rt.make_arm(rt.ArmSettings.from_task(task))
        train = _tensors(dataset["train"])

        def loss(m, batch, epoch, rng):
            run = rt.rollout(m, arm, batch, noise_seed=int(rng.integers(2**31)))
            steps = rt.included_steps(task["n_timesteps"], epoch, task["full_trial_epoch"])
            return rt.reach_loss(run["hand"], batch["goal"], run["actions"], n_included=steps,
                                 pos_weight=task["pos_weight"], act_weight=task["act_weight"])

        def metrics(m, batch):
            return reach_metrics(rt.rollout(m, arm, batch, EVAL_NOISE_SEED), batch, task)

        sampler = shuffled_batches(len(dataset["train"]["goal"]), settings.batch_size)
        return fit_epochs(model, train, _tensors(dataset["val"]), loss, metrics, sampler,
                          settings, **job)

    def evaluate(self, model, dataset, task, evaluate_cfg):
        arm = rt.make_arm(rt.ArmSettings.from_task(task))
        arrays, split = _evaluation_trials(dataset, evaluate_cfg["n_train_trials"])
        batch = _tensors(arrays)
        model.eval()
        with torch.no_grad():
            run = rt.rollout(model, arm, batch, EVAL_NOISE_SEED)
        held_out = torch.as_tensor(split == 0)
        metrics = reach_metrics({k: v[held_out] for k, v in run.items()},
                                {k: v[held_out] for k, v in batch.items()}, task)
        run = {k: v.numpy() for k, v in run.items()}
        labels = {k: arrays[k] for k in ("catch", "bumped", "target_on", "go_cue", "bump_start")}
        labels.update(split=split, start_x=arrays["start"][:, 0], start_y=arrays["start"][:, 1],
                      target_x=arrays["target"][:, 0], target_y=arrays["target"][:, 1])
        labels.update({f"activation_{name}": run["actions"][..., i]
                       for i, name in enumerate(rt.MUSCLES)})
        return Evaluation(inputs=run["inputs"], targets=arrays["goal"], outputs=run["hand"],
                          hidden=run["states"], labels=labels, weights=_weights(model),
                          metrics=metrics)


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


def _evaluation_trials(dataset: dict[str, Arrays], n_train: int) -> tuple[Arrays, np.ndarray]:
    """Every held-out trial, then the first `n_train` training trials; split label 0 / 1."""
    val, train = dataset["val"], {k: v[:n_train] for k, v in dataset["train"].items()}
    arrays = {k: np.concatenate([val[k], train[k]]) for k in val}
    sizes = [len(next(iter(part.values()))) for part in (val, train)]
    split = np.repeat(np.array([0, 1], np.int8), sizes)
    return arrays, split


def _tensors(arrays: Arrays) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v) for k, v in arrays.items() if v.dtype.kind in "fiub"}


def _weights(model: torch.nn.Module) -> Arrays:
    return {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
