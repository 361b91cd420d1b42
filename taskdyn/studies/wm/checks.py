"""The wm study's config checks a schema cannot express, and what its evaluation provides to
the generic analyses (`taskdyn.catalogue`), without torch (`validate_config` runs them each time
the workflow is parsed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskdyn.models.spec import WEIGHT_KEYWORDS, state_size
from taskdyn.studies.wm import PROPERTIES

# Per-trial labels of the task each trial performs.
TRIAL_LABELS = ("task", "n_back", "feature")
HOW_TO_PROVIDE = {"training": "set studies.wm.evaluate.n_train_trials above 0"}


def provides(study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{scenario: pieces of the common evaluation layout} (see `taskdyn.catalogue`): recurrent
    modules with a one-step map and weights; labels: the task of each trial, the properties of
    the stimulus on screen at each step, and `mem{i}_<property>` of the i-th stimulus while it
    is held in memory (property `stimulus` = its index)."""
    pieces = {"hidden", "held_out", "step", "weights"}
    if study_cfg["evaluate"]["n_train_trials"] > 0:
        pieces.add("training")
    remembered = ("stimulus", *PROPERTIES)
    return {name: pieces | {f"labels/{label}" for label in (*TRIAL_LABELS, *PROPERTIES)}
            | {f"labels/mem{i}_{p}" for i in range(task["seq_len"]) for p in remembered}
            for name, task in study_cfg["tasks"].items()}


def trial_steps(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{scenario: stimuli (steps) per trial}."""
    return {name: task["seq_len"] for name, task in study_cfg["tasks"].items()}


def state_sizes(study_cfg: dict[str, Any]) -> dict[str, int]:
    """{model: width of its recurrent module's states}."""
    return {name: state_size(m["type"], m["latent_size"])
            for name, m in study_cfg["models"].items()}


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Encoder weights and index CSV exist; held-out sets fit the stimulus grid."""
    problems = []
    stimuli, weights = study_cfg["stimuli"], study_cfg["encoder"]["weights"]
    if weights not in WEIGHT_KEYWORDS and not Path(weights).is_file():
        problems.append(("encoder.weights", f"{weights!r} is neither one of "
                         f"{list(WEIGHT_KEYWORDS)} nor an existing weights file"))
    if study_cfg["encoder"]["random_control"] and weights == "random":
        problems.append(("encoder.random_control", "the encoder's weights are random already: "
                         "a random-frozen control beside them compares nothing"))
    procedural = stimuli["source"] == "procedural"
    if not procedural and not Path(stimuli.get("index_csv", "")).is_file():
        problems.append(("stimuli.index_csv", "source index_csv needs an existing CSV file"))
    for name, task in study_cfg["tasks"].items():
        for key, size in (("heldout_angles", stimuli["n_angles"]),
                          ("heldout_identities", stimuli["n_identities"])):
            if procedural and not set(task[key]) < set(range(size)):
                problems.append((f"tasks.{name}.{key}", f"{sorted(task[key])} must be a "
                                 f"proper subset of 0..{size - 1} (the stimulus grid)"))
    return problems
