"""The binding study's `Study`: datasets of closed-form operators, the bias-free tanh RNN, the
horizon curriculum (`taskdyn.studies.binding.training`) and evaluation on the test trials, beside
`n_train_trials` trials of the training distribution at the test horizon."""

from __future__ import annotations

import numpy as np
import torch

from taskdyn.models import build_recurrent_model
from taskdyn.studies.base import Arrays, Evaluation, Study
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
from taskdyn.studies.splits import HELD_OUT, TRAINING, split_label
from taskdyn.tasks.binding import generate_trials, stacked_operators
from taskdyn.training import tensors

# the stream of the data seed that draws evaluation trials of the training distribution (the
# dataset's own draws use the seed itself)
TRAIN_TRIALS_STREAM = 1


class BindingStudy(Study):
    """Linear variable-binding tasks on vanilla tanh RNNs without biases."""

    name = "binding"

    def make_dataset(self, job):
        task = job.task
        rng = task_rng(task, job.seed)
        seq_lengths = seq_length_values(task)
        operators = stacked_operators(task["task_id"], task["input_dim"], seq_lengths)
        splits = {name: generate_trials(operators, np.array(seq_lengths), task["test_horizon"],
                                        task[f"n_{name}_trials"], task["use_eos"], rng)
                  for name in ("val", "test")}
        splits["operator"] = {"matrices": operators, "seq_length": np.array(seq_lengths),
                              "use_eos": np.array(task["use_eos"])}
        return splits

    def dataset_attrs(self, job, dataset):
        test = dataset["test"]
        return {"input_size": test["inputs"].shape[-1], "output_size": test["targets"].shape[-1],
                "n_timesteps": test["inputs"].shape[1]}

    def build_model(self, job, dataset_attrs):
        return build_recurrent_model(job.model, dataset_attrs["input_size"],
                                     dataset_attrs["output_size"])

    def train_settings(self, job):
        return CurriculumSettings.from_config(job.train)

    def train(self, model, dataset, job):
        return train_curriculum(model, OnlineTask.from_arrays(dataset["operator"]),
                                tensors(dataset["val"]), self.train_settings(job), seed=job.seed,
                                checkpoint=job.checkpoint, cfg_hash=job.cfg_hash, label=job.label)

    supports_seed_batch = True

    def train_seeds(self, models, dataset, jobs):
        return train_curriculum_seeds(
            models, OnlineTask.from_arrays(dataset["operator"]), tensors(dataset["val"]),
            self.train_settings(jobs[0]), seeds=[job.seed for job in jobs],
            checkpoints=[job.checkpoint for job in jobs], cfg_hash=jobs[0].cfg_hash,
            labels=[job.label for job in jobs])

    def evaluate(self, model, dataset, job):
        """Run every test trial (held out: longer than any training horizon) and
        `n_train_trials` trials of the training distribution at the test horizon (split 1);
        the metrics score the test trials. Per-step sign accuracy goes into the `correct`
        label, the stored input bits into `input{j}_bit{b}`."""
        parts = {HELD_OUT: dataset["test"]}
        if n_train := job.evaluate.get("n_train_trials", 0):
            parts[TRAINING] = training_trials(dataset["operator"], job.task, n_train)
        model.eval()
        with torch.no_grad():  # part by part: the test trials' results do not depend on the rest
            runs = {code: model(tensors(part)["inputs"]) for code, part in parts.items()}
        test, (outputs, _) = tensors(parts[HELD_OUT]), runs[HELD_OUT]
        metrics = {"loss": masked_loss(outputs, test["targets"], test["mask"]).item(),
                   "accuracy": masked_accuracy(outputs, test["targets"], test["mask"]).item()}
        arrays = {k: np.concatenate([part[k] for part in parts.values()]) for k in parts[HELD_OUT]}
        outputs, states = (torch.cat([run[i] for run in runs.values()]) for i in (0, 1))
        labels = {"split": split_label([(code, len(part["inputs"]))
                                        for code, part in parts.items()]),
                  "seq_length": arrays["seq_length"], "mask": arrays["mask"],
                  "correct": sign_correct(outputs, torch.as_tensor(arrays["targets"])).numpy(),
                  **stored_bits(arrays, max(seq_length_values(job.task)),
                                job.task["input_dim"])}
        weights = {k: w.detach().numpy() for k, w in model.recurrent_weights().items()}
        return Evaluation(inputs=arrays["inputs"], targets=arrays["targets"],
                          outputs=outputs.numpy(), hidden=states.numpy(), labels=labels,
                          weights=weights, metrics=metrics)


def training_trials(operator: Arrays, task: dict, n_trials: int) -> Arrays:
    """`n_trials` trials drawn as the training batches are, at the test horizon, from the data
    seed's own stream (the same trials for every model and seed)."""
    rng = np.random.default_rng([task.get("data_seed", 0), TRAIN_TRIALS_STREAM])
    return generate_trials(operator["matrices"], operator["seq_length"], task["test_horizon"],
                           n_trials, bool(operator["use_eos"]), rng)


def stored_bits(trials: Arrays, longest: int, input_dim: int) -> dict[str, np.ndarray]:
    """`input{j}_bit{b}` `(trial,)` int8: bit b (1 for +1, 0 for −1) of the j-th input vector of
    each trial's window, for j below the longest window; −1 where a trial's window is shorter."""
    bits = trials["inputs"][:, :longest, :input_dim] > 0
    stored = np.arange(longest)[None, :] < trials["seq_length"][:, None]
    return {f"input{j}_bit{b}": np.where(stored[:, j], bits[:, j, b], -1).astype(np.int8)
            for j in range(longest) for b in range(input_dim)}


STUDY = BindingStudy()
