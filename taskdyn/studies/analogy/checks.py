"""The analogy study's config checks a schema cannot express, without torch (`validate_config`
runs them each time the workflow is parsed)."""

from __future__ import annotations

from typing import Any

from taskdyn.studies.analogy.sweep import model_problems, sweep_problems, task_problems


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Disjoint entity categories, enough relations, RoPE-sized heads, a consistent sweep."""
    problems = []
    for name, task in study_cfg["tasks"].items():
        problems += task_problems(f"tasks.{name}", task, task["num_relations"])
    for name, model in study_cfg["models"].items():
        problems += model_problems(f"models.{name}", model, model["d_model"])
    return problems + sweep_problems(study_cfg)
