"""The CtDB study's config checks a schema cannot express, and what its evaluation provides
to the generic analyses (`taskdyn.catalogue`), without torch.

`validate_config` runs them each time the workflow is parsed, so this module reads the model
state sizes from `taskdyn.models.spec` and asks only whether MotorNet is installed
(`taskdyn.tasks.extras`): importing `taskdyn.studies.ctdb` or MotorNet would import torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from taskdyn.models.spec import state_size
from taskdyn.studies.ctdb.analysis import multitask_conditions
from taskdyn.studies.splits import training
from taskdyn.tasks import multitask as mt
from taskdyn.tasks.extras import MOTORNET_MISSING, motornet_installed

# The decodable labels of each task kind's evaluation.
KIND_LABELS = {
    "flipflop": lambda task: [f"bit{i}" for i in range(task["n_bits"])],
    "multitask": lambda task: ["subtask", "success"],
    "randomtarget": lambda task: ["catch", "bumped"],
}
HOW_TO_PROVIDE = {"training": "set studies.ctdb.evaluate.n_train_trials above 0",
                  "phases": "only MultiTask tasks have phases (kind: multitask)"}


def provides(study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{task: pieces of the common evaluation layout} (see `taskdyn.catalogue`): recurrent
    models have a one-step map, all but the NODE recurrent weights; each task kind its labels."""
    pieces = {"hidden", "held_out", "step"}
    if study_cfg["evaluate"]["n_train_trials"] > 0:
        pieces.add("training")
    if any(model["type"] != "node" for model in study_cfg["models"].values()):
        pieces.add("weights")
    return {name: pieces | {f"labels/{label}" for label in KIND_LABELS[task["kind"]](task)}
            | ({"phases"} if task["kind"] == "multitask" else set())
            for name, task in study_cfg["tasks"].items()}


CLOSED_LOOP = ("the network runs in closed loop with the arm, so its fixed points at a held "
               "input are not states the arm and network reach together")
NO_RULE_INPUT = ("at zero input no subtask's rule is on; set analyses.fixed_points.inputs: "
                 "per_phase for each phase's own input")


def dropped(study_cfg: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{task: {analysis: why}}: fixed points mean nothing for RandomTarget (closed loop) and,
    at zero input, for MultiTask (no rule)."""
    per_phase = study_cfg.get("analyses", {}).get("fixed_points", {}).get("inputs") == "per_phase"
    reasons = {"randomtarget": CLOSED_LOOP, "multitask": None if per_phase else NO_RULE_INPUT}
    return {name: {"fixed_points": why} for name, task in study_cfg["tasks"].items()
            if (why := reasons.get(task["kind"]))}


def phase_conditions(task: dict[str, Any], dataset: dict[str, dict[str, np.ndarray]],
                     labels: dict[str, np.ndarray]) -> list[dict] | None:
    """The (subtask, phase) conditions of a MultiTask evaluation, with each one's held input
    (`taskdyn.studies.ctdb.analysis.multitask_conditions`); None for tasks without phases.

    `dataset` is the task's dataset splits, `labels` the evaluation's labels (without the
    `labels/` prefix). The evaluation holds every held-out (`val`) trial, then the first
    training trials (`taskdyn.studies.sequence.evaluation_trials`); their noise-free inputs
    come from the dataset, checked against the evaluation's subtask labels.
    """
    if task["kind"] != "multitask":
        return None
    n_train = int(training(labels["split"]).sum())
    true_inputs = np.concatenate([dataset["val"]["true_inputs"],
                                  dataset["train"]["true_inputs"][:n_train]])
    subtask = np.concatenate([dataset["val"]["subtask"], dataset["train"]["subtask"][:n_train]])
    if not np.array_equal(subtask, labels["subtask"]):
        raise ValueError("the evaluation's trials are not the dataset's val trials then its "
                         "first training trials")
    return multitask_conditions(true_inputs, labels["subtask"], labels["response_start"],
                                labels["response_end"])


def trial_steps(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{task: time steps of its trials}."""
    return {name: task["n_timesteps"] for name, task in study_cfg["tasks"].items()}


def state_sizes(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{model: width of its hidden states}."""
    return {name: state_size(m["type"], m["latent_size"])
            for name, m in study_cfg["models"].items()}


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for each impossible MultiTask / RandomTarget setting."""
    problems = []
    for name, task in study_cfg["tasks"].items():
        key = f"tasks.{name}"
        if task["kind"] == "multitask":
            longest = mt.longest_trial(task["subtasks"], task["bin_size"])
            if longest > task["n_timesteps"]:
                problems.append((f"{key}.n_timesteps", f"{task['n_timesteps']} is shorter than "
                                 f"the longest trial of these subtasks ({longest} bins)"))
        elif task["kind"] == "randomtarget":
            problems += _reach_problems(key, task)
    return problems


def _reach_problems(key: str, task: dict) -> list[tuple[str, str]]:
    problems = [(f"{key}.{name}", f"{task[name]} must be [low, high] with low < high")
                for name in ("target_on", "bump_duration", "bump_magnitude")
                if not task[name][0] < task[name][1]]
    if task["target_on"][1] - 1 + task["min_delay"] >= task["n_timesteps"]:
        problems.append((f"{key}.n_timesteps", f"{task['n_timesteps']} leaves no room for a go "
                         "cue after target_on + min_delay"))
    if task["bump_duration"][1] >= task["n_timesteps"]:
        problems.append((f"{key}.bump_duration", "bumps must be shorter than the trial"))
    if not motornet_installed():
        problems.append((f"{key}.kind", MOTORNET_MISSING))
    return problems
