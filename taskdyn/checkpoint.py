"""Training checkpoints: written atomically, validated on resume, never half-read."""

from __future__ import annotations

import logging
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from taskdyn.io import ResultFileError, atomic_path

log = logging.getLogger(__name__)


def save_checkpoint(path: str | os.PathLike, *, epoch: int, model: torch.nn.Module,
                    optimizer: torch.optim.Optimizer, rng: np.random.Generator, cfg_hash: str,
                    history: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> None:
    """Save everything a bit-identical resume needs, under a temporary name first."""
    state = {
        "epoch": epoch,
        "cfg_hash": cfg_hash,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "numpy_rng": rng.bit_generator.state,
        "history": history,
        "extra": extra or {},
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint; a truncated or corrupt file raises ResultFileError naming it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile, ValueError,
            pickle.UnpicklingError) as err:
        raise ResultFileError(f"checkpoint {path} is truncated or corrupt: {err}") from err


def resume(path: str | os.PathLike, *, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
           rng: np.random.Generator, cfg_hash: str) -> tuple[int, list[dict], dict]:
    """Restore state from `path` if it exists and was written for `cfg_hash`.

    Returns (epochs already done, history so far, extra state); (0, [], {}) on a fresh start.
    A corrupt checkpoint is an error, not a silent restart: delete it to start over.
    """
    path = Path(path)
    if not path.exists():
        return 0, [], {}
    state = load_checkpoint(path)
    if state.get("cfg_hash") != cfg_hash:
        log.warning("ignoring checkpoint %s: written for another configuration", path)
        return 0, [], {}
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    rng.bit_generator.state = state["numpy_rng"]
    log.info("resumed from %s after epoch %d", path, state["epoch"])
    return state["epoch"], state["history"], state["extra"]
