"""The variable-binding study: bias-free tanh RNNs on linear binding tasks (Karuvally et al. 2023).

Each task config is one "experiment" (e.g. repeat copy (255, 0, 0)); models × seeds give many
trained networks per experiment. The dataset file holds the task's closed-form operators (from
which training batches are drawn online) and fixed validation and test trials at the test
horizon; `train` runs the horizon curriculum, `evaluate` the test trials.

Modules: `study` (datasets, model, training, evaluation: `STUDY`), `training` (the online
horizon curriculum), `checks` (the config checks and what the evaluation provides, without
torch), `claims` (the paper's claims), `analysis` (spectra against the task operator,
eigenvalue signatures, experiment comparisons), `jobs` (their tables and figures) and
`plotting`. Config validation and the table and figure jobs import neither torch nor the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DEFAULT_HORIZONS", "longest_horizon", "seq_length_values"]

DEFAULT_HORIZONS = (10, 20, 40, 60, 100)  # the curriculum's training horizons (the anchor's)


def seq_length_values(task: dict[str, Any]) -> list[int]:
    """The window lengths a task draws from: one value, or every value of an inclusive range."""
    s = task["seq_length"]
    return [s] if isinstance(s, int) else list(range(s[0], s[1] + 1))


def longest_horizon(train_cfgs: list[Mapping[str, Any]]) -> int:
    """The longest curriculum horizon over several `train` config slices (read as
    `training.CurriculumSettings` reads them; here so that parsing the workflow skips torch)."""
    return max(list({**cfg, **cfg.get("curriculum", {})}.get("horizons", DEFAULT_HORIZONS))[-1]
               for cfg in train_cfgs)

