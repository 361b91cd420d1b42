"""The file a wm dataset reads: the stimulus feature cache of the study's stimuli and encoder.

Free of torch: the workflow asks it for the make_dataset rule's inputs on every parse
(`taskdyn.studies.get_dataset_inputs`).
"""

from __future__ import annotations

from typing import Any


def dataset_inputs(study_cfg: dict[str, Any], run: str, task: str) -> dict[str, str]:
    """`features`: the cached CNN features every scenario's trials are drawn over."""
    return {"features": f"results/{run}/stimuli/wm/features.h5"}
