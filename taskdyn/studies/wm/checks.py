"""The wm study's config checks a schema cannot express, without torch (`validate_config` runs
them each time the workflow is parsed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskdyn.models.spec import WEIGHT_KEYWORDS


def check_config(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Encoder weights and index CSV exist; held-out sets fit the stimulus grid."""
    problems = []
    stimuli, weights = study_cfg["stimuli"], study_cfg["encoder"]["weights"]
    if weights not in WEIGHT_KEYWORDS and not Path(weights).is_file():
        problems.append(("encoder.weights", f"{weights!r} is neither one of "
                         f"{list(WEIGHT_KEYWORDS)} nor an existing weights file"))
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
