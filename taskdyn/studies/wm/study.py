"""The wm study: N-back datasets over cached CNN features, the RNN models, training, evaluation.

A dataset holds N-back trials as stimulus indices per split plus the `stimuli` group (the
standardised feature maps and properties of every stimulus), so training never runs the CNN;
it is drawn over the feature cache, the dataset's declared input (`inputs.dataset_inputs`).
Splits: `train` and `val` draw from the training stimuli (angles and identities not held
out), `novel_angle` from the held-out angles of training identities, `novel_identity` from
the held-out identities at training angles (split codes: `taskdyn.studies.wm.SPLITS`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from taskdyn.io import read_h5, read_h5_attrs
from taskdyn.models.nback import build_nback_model
from taskdyn.provenance import config_hash
from taskdyn.studies.base import Arrays, Evaluation, Study
from taskdyn.studies.splits import split_label
from taskdyn.studies.wm import PROPERTIES, SPLITS, encoder_label
from taskdyn.tasks.nback import (
    CLASS_NAMES,
    N_TASKS,
    feature_values,
    generate_nback,
    memory_labels,
    response_mask,
    task_index,
    task_name,
)
from taskdyn.training import EpochHooks, shuffled_batches, tensors
from taskdyn.training import train as train_loop


class WMStudy(Study):
    """N-back scenarios on cached CNN features with RNN / GRU / LSTM working memories."""

    name = "wm"

    def make_dataset(self, job):
        """Trials per split for scenario `job.task`, drawn over the cached features
        (`job.inputs["features"]`)."""
        task, stimuli = job.task, read_h5(job.inputs["features"])
        rng = np.random.default_rng(job.seed)
        props = {k: np.asarray(stimuli[k]) for k in PROPERTIES}
        pools = split_pools(props, task["heldout_angles"], task["heldout_identities"])
        tasks = scenario_tasks(task)
        sizes = {"train": task["n_train"], "val": task["n_val"],
                 "novel_angle": task["n_test"], "novel_identity": task["n_test"]}
        pool_of = {"train": "train", "val": "train", "novel_angle": "novel_angle",
                   "novel_identity": "novel_identity"}
        dataset = {split: generate_nback(props, pools[pool_of[split]], tasks, n,
                                         task["seq_len"], task["match_prob"], rng)
                   for split, n in sizes.items()}
        dataset["stimuli"] = {"features": standardised(stimuli["features"], pools["train"]),
                              **props}
        return dataset

    def dataset_attrs(self, job, dataset):
        """Sizes and task names, and the encoder and stimulus set of the feature cache."""
        features = read_h5_attrs(job.inputs["features"])
        return {"n_channels": dataset["stimuli"]["features"].shape[1], "n_tasks": N_TASKS,
                "seq_len": dataset["train"]["stimulus"].shape[1],
                "task_names": [task_name(t) for t in scenario_tasks(job.task)],
                "encoder": features["encoder"], "stimuli": features["stimuli"],
                "provenance": {"encoder_weights": features["encoder"]["weights_source"],
                               "encoder": encoder_label(features["encoder"])}}

    def build_model(self, job, dataset_attrs):
        return build_nback_model(job.model, dataset_attrs["n_channels"], dataset_attrs["n_tasks"])

    def train(self, model, dataset, job):
        """The generic loop with class-weighted cross-entropy; resumes only on the same data.

        Each epoch's row has, besides the validation loss and accuracy, the paper's stopping
        measures (`CriterionEpochs`), which `train.stop_at` can stop on. With the task's
        `fresh_trials`, every epoch draws new training trials (`FreshTrialEpochs`).
        """
        model.attach_features(torch.as_tensor(dataset["stimuli"]["features"]))
        weights = torch.as_tensor(class_weights(dataset["train"]["targets"]), dtype=torch.float32)
        settings = self.train_settings(job)
        train_set = _trial_tensors(dataset["train"])
        epochs = CriterionEpochs
        if job.task["fresh_trials"]:
            epochs = functools.partial(FreshTrialEpochs, self._trial_source(dataset, job.task))
        hooks = epochs(
            train_set, _trial_tensors(dataset["val"]),
            lambda m, batch, epoch, rng: nback_loss(m, batch, weights),
            functools.partial(nback_metrics, class_weights=weights),
            shuffled_batches(len(train_set["task"]), settings.batch_size),
            checks={"train": {k: v[:len(dataset["val"]["task"])] for k, v in train_set.items()},
                    "novel_angle": _trial_tensors(dataset["novel_angle"])})
        return train_loop(model, hooks, settings, seed=job.seed, checkpoint=job.checkpoint,
                          cfg_hash=config_hash([job.cfg_hash, data_digest(dataset)]),
                          label=job.label)

    @staticmethod
    def _trial_source(dataset, task: dict[str, Any]) -> TrialSource:
        """Draws of `n_train` new trials from the training stimuli, as `make_dataset` draws."""
        props = {k: np.asarray(dataset["stimuli"][k]) for k in PROPERTIES}
        pool = split_pools(props, task["heldout_angles"], task["heldout_identities"])["train"]
        return functools.partial(generate_nback, props, pool, scenario_tasks(task),
                                 task["n_train"], task["seq_len"], task["match_prob"])

    def evaluate(self, model, dataset, job):
        """Every val / novel-angle / novel-identity trial plus `n_train_trials` training trials."""
        model.attach_features(torch.as_tensor(dataset["stimuli"]["features"]))
        n_train = job.evaluate.get("n_train_trials", 0)
        parts = {s: {k: v[:n_train] if s == "train" else v for k, v in dataset[s].items()}
                 for s in SPLITS}
        trials = {k: np.concatenate([p[k] for p in parts.values()]) for k in parts["val"]}
        split = split_label([(code, len(parts[s]["task"])) for s, code in SPLITS.items()])
        model.eval()
        with torch.no_grad():
            batch = _trial_tensors(trials)
            inputs = model.rnn_inputs(batch["stimulus"], batch["task"])
            logits, states = model.rnn(inputs)
        outputs = logits.numpy()
        targets = trials["targets"]
        props = {k: np.asarray(dataset["stimuli"][k]) for k in PROPERTIES}
        props["identity"] = feature_values(props, "identity")
        labels = {"split": split, "task": trials["task"], "n_back": trials["n_back"],
                  "feature": trials["feature"], "target": targets,
                  "prediction": outputs.argmax(-1), "stimulus": trials["stimulus"],
                  "response": response_mask(trials["n_back"], targets.shape[1]).astype(np.int8),
                  **{k: v[trials["stimulus"]] for k, v in props.items()},
                  **memory_labels(props, trials["stimulus"])}
        return Evaluation(inputs=inputs.numpy(), targets=np.eye(len(CLASS_NAMES),
                                                                dtype=np.float32)[targets],
                          outputs=outputs, hidden=states.numpy(), labels=labels,
                          weights={k: w.detach().numpy()
                                   for k, w in model.recurrent_weights().items()},
                          metrics=accuracy_metrics(labels))


def scenario_tasks(task: dict[str, Any]) -> list[int]:
    """Canonical indices of a scenario's tasks: its N values × features."""
    return [task_index(n, f) for n in task["n_back"] for f in task["features"]]


def split_pools(props: Arrays, heldout_angles: list[int],
                heldout_identities: list[int]) -> dict[str, np.ndarray]:
    """Stimulus indices of the training, novel-angle and novel-identity pools."""
    new_angle = np.isin(props["angle"], heldout_angles)
    new_identity = np.isin(props["identity"], heldout_identities)
    pools = {"train": ~new_angle & ~new_identity, "novel_angle": new_angle & ~new_identity,
             "novel_identity": new_identity & ~new_angle}
    for name, member in pools.items():
        if not member.any():
            raise ValueError(f"the {name} stimulus pool is empty")
    return {name: np.flatnonzero(member) for name, member in pools.items()}


def standardised(features: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Feature maps z-scored per channel with the mean and sd over the `pool` stimuli's maps.

    Frozen CNN features carry a large stimulus-independent offset (more than 99 % of the
    second moment for a random-frozen ResNet), which stalls training from the raw values.
    """
    train = features[pool]
    mean = train.mean(axis=(0, 2, 3), keepdims=True)
    sd = train.std(axis=(0, 2, 3), keepdims=True)
    return ((features - mean) / np.where(sd > 0, sd, 1.0)).astype(np.float32)


def class_weights(targets: np.ndarray) -> np.ndarray:
    """Inverse-frequency weights of the classes in `targets`, averaging 1 over the trials' steps."""
    counts = np.bincount(targets.ravel(), minlength=len(CLASS_NAMES)).astype(float)
    return np.where(counts > 0, counts.sum() / (len(counts) * np.maximum(counts, 1)), 0.0)


def nback_loss(model, batch, class_weights: torch.Tensor) -> torch.Tensor:
    """Class-weighted cross-entropy over every step of every trial."""
    logits, _ = model(batch["stimulus"], batch["task"])
    return F.cross_entropy(logits.flatten(0, 1), batch["targets"].flatten(),
                           weight=class_weights.to(logits.device))


def nback_metrics(model, batch, class_weights: torch.Tensor) -> dict[str, float]:
    """Loss and accuracy on the response steps (t ≥ N)."""
    logits, _ = model(batch["stimulus"], batch["task"])
    loss = F.cross_entropy(logits.flatten(0, 1), batch["targets"].flatten(),
                           weight=class_weights.to(logits.device))
    steps = torch.arange(logits.shape[1], device=logits.device)
    respond = steps[None, :] >= batch["n_back"][:, None]
    correct = (logits.argmax(-1) == batch["targets"])[respond]
    return {"loss": loss.item(), "accuracy": correct.float().mean().item()}


def accuracy_metrics(labels: Arrays) -> dict[str, float]:
    """Response-step accuracy per split (`accuracy/<split>`) and per task in it."""
    correct = labels["prediction"] == labels["target"]
    respond = labels["response"].astype(bool)
    metrics = {}
    for split, code in SPLITS.items():
        in_split = labels["split"] == code
        if not in_split.any():
            continue
        metrics[f"accuracy/{split}"] = float(correct[in_split][respond[in_split]].mean())
        for task in np.unique(labels["task"][in_split]):
            rows = in_split & (labels["task"] == task)
            name = f"accuracy/{split}/{task_name(task)}"
            metrics[name] = float(correct[rows][respond[rows]].mean())
    return metrics


def data_digest(dataset: dict[str, Arrays]) -> str:
    """sha256 of the training trials and stimulus features (a checkpoint is tied to its data)."""
    digest = hashlib.sha256()
    for group in ("train", "val", "stimuli"):
        for key in sorted(dataset[group]):
            digest.update(key.encode())
            digest.update(np.ascontiguousarray(dataset[group][key]).tobytes())
    return digest.hexdigest()


class CriterionEpochs(EpochHooks):
    """The generic epochs, whose rows add the response accuracy of each `checks` set as
    `<name>_accuracy`: a fixed sample of training trials (as many as the validation trials)
    and the novel-angle trials, the two measures of the paper's stopping rule."""

    def __init__(self, train, val, loss_fn, metrics_fn, sampler, *,
                 checks: dict[str, dict[str, torch.Tensor]]):
        super().__init__(train, val, loss_fn, metrics_fn, sampler)
        self.checks = checks

    def to(self, device):
        super().to(device)
        self.checks = {name: {k: v.to(device) for k, v in batch.items()}
                       for name, batch in self.checks.items()}

    def epoch_row(self, model, epoch, train_loss):
        row = super().epoch_row(model, epoch, train_loss)
        with torch.no_grad():
            row.update({f"{name}_accuracy": response_accuracy(model, batch)
                        for name, batch in self.checks.items()})
        return row


TrialSource = Callable[[np.random.Generator], Arrays]


class FreshTrialEpochs(CriterionEpochs):
    """`CriterionEpochs` that train every epoch on new trials, `draw(rng)` with the loop's
    generator (so a resumed run draws the same ones); the dataset's training trials stay the
    criterion's fixed training sample."""

    def __init__(self, draw: TrialSource, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.draw = draw

    def batches(self, epoch, rng):
        self.train = {k: v.to(self.device) if self.device else v
                      for k, v in _trial_tensors(self.draw(rng)).items()}
        yield from super().batches(epoch, rng)


def response_accuracy(model, batch: dict[str, torch.Tensor]) -> float:
    """Accuracy over the response steps (t ≥ N) of `batch`'s trials."""
    logits, _ = model(batch["stimulus"], batch["task"])
    steps = torch.arange(logits.shape[1], device=logits.device)
    respond = steps[None, :] >= batch["n_back"][:, None]
    return (logits.argmax(-1) == batch["targets"])[respond].float().mean().item()


def _trial_tensors(arrays: Arrays) -> dict[str, torch.Tensor]:
    return tensors({k: arrays[k] for k in ("stimulus", "task", "n_back", "targets")})


STUDY = WMStudy()
