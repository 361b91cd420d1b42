"""A tiny ctdb run for tests that train a model: a 3-bit flip-flop `3bff` and one GRU `gru`.

`tiny_ctdb_config(...)` gives the run's config (its sizes chosen by each test module) and
`tiny_flipflop_dataset(config, directory)` validates it, writes the task's dataset and returns
the training slice with the dataset's path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskdyn import jobs
from taskdyn.config import train_slice, validate_config

SCHEMAS = Path(__file__).resolve().parent.parent / "workflow" / "schemas"


def tiny_ctdb_config(run: str, *, n_timesteps: int, n_trials: int, latent_size: int, seed: int,
                     train: dict[str, Any]) -> dict[str, Any]:
    """A config of run `run`: ctdb's task `3bff` (3 bits) and a GRU `gru` on one seed."""
    return {
        "run": run,
        "studies": {"ctdb": {
            "tasks": {"3bff": {"kind": "flipflop", "n_bits": 3, "n_timesteps": n_timesteps,
                               "n_trials": n_trials}},
            "models": {"gru": {"type": "gru", "latent_size": latent_size}},
            "seeds": [seed],
            "train": dict(train),
        }},
    }


def tiny_flipflop_dataset(config: dict[str, Any], directory: Path) -> tuple[dict, Path]:
    """`config` (from `tiny_ctdb_config`) validated in place; the train slice of ctdb/3bff/gru
    and the path of the task's dataset, written into `directory`."""
    hp = train_slice(validate_config(config, SCHEMAS), "ctdb", "3bff", "gru")
    path = directory / "3bff.h5"
    jobs.make_dataset(study="ctdb", task_name="3bff", task=hp["task"], out=str(path))
    return hp, path
