"""The binding study's `Study`: datasets of closed-form operators, the bias-free tanh RNN, the
horizon curriculum (`taskdyn.studies.binding.training`) and evaluation on the test trials."""

from __future__ import annotations

import numpy as np
import torch

from taskdyn.models import build_recurrent_model
from taskdyn.studies.base import Evaluation, Study
from taskdyn.studies.binding import seq_length_values
from taskdyn.studies.binding.training import (
    CurriculumSettings,
    OnlineTask,
    masked_accuracy,
    masked_loss,
    sign_correct,
    train_curriculum,
    train_curriculum_seeds,
)
from taskdyn.studies.sequence import task_rng
from taskdyn.tasks.binding import generate_trials, stacked_operators


class BindingStudy(Study):
    """Linear variable-binding tasks on vanilla tanh RNNs without biases."""

    name = "binding"

    def make_dataset(self, task, seed):
        rng = task_rng(task, seed)
        seq_lengths = seq_length_values(task)
        operators = stacked_operators(task["task_id"], task["input_dim"], seq_lengths)
        splits = {name: generate_trials(operators, np.array(seq_lengths), task["test_horizon"],
                                        task[f"n_{name}_trials"], task["use_eos"], rng)
                  for name in ("val", "test")}
        splits["operator"] = {"matrices": operators, "seq_length": np.array(seq_lengths),
                              "use_eos": np.array(task["use_eos"])}
        return splits

    def dataset_attrs(self, task, dataset):
        test = dataset["test"]
        return {"input_size": test["inputs"].shape[-1], "output_size": test["targets"].shape[-1],
                "n_timesteps": test["inputs"].shape[1]}

    def build_model(self, model, dataset_attrs):
        return build_recurrent_model(model, dataset_attrs["input_size"],
                                     dataset_attrs["output_size"])

    def train(self, model, dataset, train_cfg, *, seed, checkpoint, cfg_hash, label):
        return train_curriculum(model, OnlineTask.from_arrays(dataset["operator"]),
                                _tensors(dataset["val"]), CurriculumSettings.from_config(train_cfg),
                                seed=seed, checkpoint=checkpoint, cfg_hash=cfg_hash, label=label)

    supports_seed_batch = True

    def train_seeds(self, models, dataset, train_cfg, *, seeds, checkpoints, cfg_hash, labels):
        return train_curriculum_seeds(
            models, OnlineTask.from_arrays(dataset["operator"]), _tensors(dataset["val"]),
            CurriculumSettings.from_config(train_cfg), seeds=seeds, checkpoints=checkpoints,
            cfg_hash=cfg_hash, labels=labels)

    def evaluate(self, model, dataset, evaluate_cfg):
        """Run every test trial; per-step sign accuracy goes into the `correct` label."""
        test = dataset["test"]
        batch = _tensors(test)
        model.eval()
        with torch.no_grad():
            outputs, states = model(batch["inputs"])
            correct = sign_correct(outputs, batch["targets"])
            metrics = {"loss": masked_loss(outputs, batch["targets"], batch["mask"]).item(),
                       "accuracy": masked_accuracy(outputs, batch["targets"], batch["mask"]).item()}
        weights = {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
        labels = {"split": np.zeros(len(test["inputs"]), dtype=np.int8),  # all held out
                  "seq_length": test["seq_length"], "mask": test["mask"],
                  "correct": correct.numpy()}
        return Evaluation(inputs=test["inputs"], targets=test["targets"], outputs=outputs.numpy(),
                          hidden=states.numpy(), labels=labels, weights=weights, metrics=metrics)


def _tensors(arrays: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v) for k, v in arrays.items() if v.dtype.kind == "f"}


STUDY = BindingStudy()
