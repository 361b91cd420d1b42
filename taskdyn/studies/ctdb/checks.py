"""The CtDB study's config checks a schema cannot express, and what its evaluation provides
to the generic analyses (`taskdyn.catalogue`), without torch.

`validate_config` runs them each time the workflow is parsed, so this module reads the model
state sizes from `taskdyn.models.spec` and asks only whether MotorNet is installed
(`taskdyn.tasks.extras`): importing `taskdyn.studies.ctdb` or MotorNet would import torch.
"""

from __future__ import annotations

from typing import Any

from taskdyn.models.spec import state_size
from taskdyn.tasks import multitask as mt
from taskdyn.tasks.extras import MOTORNET_MISSING, motornet_installed

# The decodable labels of each task kind's evaluation.
KIND_LABELS = {
    "flipflop": lambda task: [f"bit{i}" for i in range(task["n_bits"])],
    "multitask": lambda task: ["subtask", "success"],
    "randomtarget": lambda task: ["catch", "bumped"],
}
HOW_TO_PROVIDE = {"training": "set studies.ctdb.evaluate.n_train_trials above 0"}


def provides(study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{task: pieces of the common evaluation layout} (see `taskdyn.catalogue`): recurrent
    models have a one-step map, all but the NODE recurrent weights; each task kind its labels."""
    pieces = {"hidden", "held_out", "step"}
    if study_cfg["evaluate"]["n_train_trials"] > 0:
        pieces.add("training")
    if any(model["type"] != "node" for model in study_cfg["models"].values()):
        pieces.add("weights")
    return {name: pieces | {f"labels/{label}" for label in KIND_LABELS[task["kind"]](task)}
            for name, task in study_cfg["tasks"].items()}


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
