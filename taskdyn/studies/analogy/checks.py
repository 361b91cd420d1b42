"""The analogy study's config checks a schema cannot express, and what its evaluation provides
to the generic analyses (`taskdyn.catalogue`), without torch (`validate_config` runs them each
time the workflow is parsed)."""

from __future__ import annotations

from typing import Any

from taskdyn.studies.analogy.sweep import (
    expand_sweep,
    model_problems,
    sweep_problems,
    task_problems,
)

# Config validation expands the sweep: its points become ordinary models and tasks.
expand_config = expand_sweep


# Per-fact labels: fact type, final entity, head entity, bridge entity (-1: none), length.
LABELS = ("fact_type", "target", "head", "bridge", "length")
INPUT_TOKENS = 3  # the longest fact's input tokens (a two-hop composition's, padded)


def provides(study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{task: pieces of the common evaluation layout} (see `taskdyn.catalogue`): the hidden
    states are the final residual stream at each input token; every fact is evaluated, the
    trained ones as training trials; a transformer has no one-step map or recurrent weights."""
    pieces = {"hidden", "held_out", "training", *(f"labels/{label}" for label in LABELS)}
    return {name: set(pieces) for name in study_cfg["tasks"]}


def trial_steps(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{task: input tokens of the longest fact}."""
    return dict.fromkeys(study_cfg["tasks"], INPUT_TOKENS)


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Disjoint entity categories, enough relations, RoPE-sized heads, known models and seeds,
    a consistent sweep."""
    problems = []
    for name, task in study_cfg["tasks"].items():
        problems += task_problems(f"tasks.{name}", task)
        problems += [(f"tasks.{name}.models", f"{m!r} is not one of the models: "
                      f"{sorted(study_cfg['models'])}")
                     for m in task.get("models", []) if m not in study_cfg["models"]]
    for name, model in study_cfg["models"].items():
        problems += model_problems(f"models.{name}", model, model["d_model"])
    entries = [(f"tasks.{n}", t) for n, t in study_cfg["tasks"].items()]
    entries += [(f"models.{n}", m) for n, m in study_cfg["models"].items()]
    entries += [("sweep", study_cfg.get("sweep") or {})]
    for key, entry in entries:
        unknown = sorted(set(entry.get("seeds", [])) - set(study_cfg["seeds"]))
        if unknown:
            problems.append((f"{key}.seeds", f"{unknown} are not among the study's seeds "
                             f"{study_cfg['seeds']}: an entry's seeds choose from them"))
    return problems + sweep_problems(study_cfg)
