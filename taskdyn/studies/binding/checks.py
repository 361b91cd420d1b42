"""The binding study's config checks a schema cannot express, and what its evaluation provides
to the generic analyses (`taskdyn.catalogue`), without torch (`validate_config` runs them each
time the workflow is parsed)."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskdyn.studies.binding import seq_length_values
from taskdyn.tasks.binding import task_sources

HOW_TO_PROVIDE = {"training": "set studies.binding.evaluate.n_train_trials above 0"}


def provides(study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{task: pieces of the common evaluation layout} (see `taskdyn.catalogue`): tanh RNNs with
    a one-step map and W_hh; labels `input{j}_bit{b}`, bit b of the j-th stored input vector."""
    pieces = {"hidden", "held_out", "step", "weights"}
    if study_cfg["evaluate"]["n_train_trials"] > 0:
        pieces.add("training")
    return {name: pieces | {f"labels/input{j}_bit{b}"
                            for j in range(max(seq_length_values(task)))
                            for b in range(task["input_dim"])}
            for name, task in study_cfg["tasks"].items()}


def trial_steps(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{task: time steps of its evaluation trials} (the longest window plus the test horizon)."""
    return {name: max(seq_length_values(task)) + task["test_horizon"]
            for name, task in study_cfg["tasks"].items()}


def state_sizes(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{model: width of its hidden states}."""
    return {name: model["latent_size"] for name, model in study_cfg["models"].items()}


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Task ids valid for every window length, increasing horizons, enough models to embed."""
    problems = []
    for name, task in study_cfg["tasks"].items():
        s = task["seq_length"]
        if isinstance(s, list) and s[0] > s[1]:
            problems.append((f"tasks.{name}.seq_length", f"range {s} must be [min, max]"))
            continue
        for length in seq_length_values(task):
            try:
                task_sources(task["task_id"], task["input_dim"], length)
            except ValueError as err:
                problems.append((f"tasks.{name}.task_id", f"{err} (seq_length {length})"))
                break
    trains = {"train": study_cfg.get("train", {}),
              **{f"models.{m}.train": cfg.get("train", {})
                 for m, cfg in study_cfg["models"].items()}}
    for key, train in trains.items():
        horizons = train.get("curriculum", {}).get("horizons")
        if horizons is not None and np.any(np.diff(horizons) <= 0):
            problems.append((f"{key}.curriculum.horizons",
                             f"{horizons} must be strictly increasing"))
    n_models = len(study_cfg["tasks"]) * len(study_cfg["models"]) * len(study_cfg["seeds"])
    signatures = study_cfg.get("analyses", {}).get("signatures")
    if signatures is not None and n_models < 3:
        problems.append(("analyses.signatures",
                         f"embeddings need at least 3 models, the config trains {n_models}"))
    elif signatures is not None and "tsne" in signatures["methods"] \
            and signatures["perplexity"] >= n_models:
        problems.append(("analyses.signatures.perplexity",
                         f"{signatures['perplexity']} must be below the {n_models} models"))
    return problems
