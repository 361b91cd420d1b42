"""Each binding model's settings that comparisons group by (hidden size, L2, curriculum
threshold, learning rate), read from the study config without torch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The settings models can be grouped by in comparisons, besides task and model.
GROUP_KEYS = ("hidden", "l2", "threshold", "lr")
DEFAULT_THRESHOLD = 0.96  # the curriculum's threshold when unset (`training.CurriculumSettings`)
DEFAULT_LR = 1e-3  # Adam's learning rate when unset (`taskdyn.training.TrainSettings`)


def model_settings(study_cfg: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """{model: its `GROUP_KEYS` settings}: hidden units, L2 (Adam weight decay), curriculum
    threshold and learning rate, the study's train block overridden by the model's own."""
    study_train = study_cfg.get("train", {})
    settings = {}
    for name, model in study_cfg["models"].items():
        own = model.get("train", {})
        train = {**study_train, **own}
        curriculum = {**study_train.get("curriculum", {}), **own.get("curriculum", {})}
        settings[name] = {"hidden": int(model["latent_size"]),
                          "l2": float(train.get("weight_decay", 0.0)),
                          "threshold": float(curriculum.get("threshold", DEFAULT_THRESHOLD)),
                          "lr": float(train.get("lr", DEFAULT_LR))}
    return settings
