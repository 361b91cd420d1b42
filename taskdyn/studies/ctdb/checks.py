"""The CtDB study's config checks a schema cannot express, without torch.

`validate_config` runs them each time the workflow is parsed, so this module reads the model
state sizes from `taskdyn.models.spec` and asks only whether MotorNet is installed
(`taskdyn.tasks.extras`): importing `taskdyn.studies.ctdb` or MotorNet would import torch.
"""

from __future__ import annotations

from typing import Any

from taskdyn.models.spec import state_size
from taskdyn.tasks import multitask as mt
from taskdyn.tasks.extras import MOTORNET_MISSING, motornet_installed


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for each impossible MultiTask / RandomTarget / DSA setting."""
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
    if "dsa" in study_cfg.get("analyses", {}):
        problems += _dsa_problems(study_cfg)
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


def _dsa_problems(study_cfg: dict) -> list[tuple[str, str]]:
    dsa = study_cfg["analyses"]["dsa"]
    problems = []
    sizes = {m: min(dsa["n_components"], state_size(cfg["type"], cfg["latent_size"]))
             for m, cfg in study_cfg["models"].items()}
    smallest = min(sizes, key=sizes.get)
    if dsa["rank"] > sizes[smallest] * dsa["n_delays"]:
        problems.append(("analyses.dsa.rank", f"{dsa['rank']} exceeds the delay-embedded "
                         f"dimension of model {smallest} ({sizes[smallest]} components x "
                         f"{dsa['n_delays']} delays)"))
    shortest = min(task["n_timesteps"] for task in study_cfg["tasks"].values())
    if (dsa["n_delays"] - 1) * dsa["delay_interval"] >= shortest - 1:
        problems.append(("analyses.dsa.n_delays", f"the delay embedding spans more than the "
                         f"shortest task's {shortest} steps"))
    return problems
