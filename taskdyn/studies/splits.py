"""The codes of the `split` label of the common evaluation layout, the same for every study.

`labels/split` `(trial,)` int8: 0 held-out trials of the training distribution, 1 training
trials, and codes from 2 on held-out sets a study names itself (wm: 2 novel angle, 3 novel
identity), drawn from another distribution and also never trained on. Free of torch: analysis
and table jobs read it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["HELD_OUT", "TRAINING", "first_held_out", "held_out", "split_codes", "split_label",
           "training", "unseen"]

HELD_OUT = 0
TRAINING = 1


def held_out(split: np.ndarray) -> np.ndarray:
    """Which trials are held out from the training distribution (code 0): what an analysis
    fitted on training trials is scored on."""
    return np.asarray(split) == HELD_OUT


def first_held_out(split: np.ndarray, n: int) -> np.ndarray:
    """Indices of the first `n` held-out trials (code 0): the trials an analysis or figure of
    one model shows."""
    return np.flatnonzero(held_out(split))[:n]


def training(split: np.ndarray) -> np.ndarray:
    """Which trials are training trials (code 1)."""
    return np.asarray(split) == TRAINING


def unseen(split: np.ndarray) -> np.ndarray:
    """Which trials no model was trained on: held-out and every study-named set."""
    return np.asarray(split) != TRAINING


def split_codes(study_sets: Sequence[str], held_out_name: str = "held_out",
                training_name: str = "train") -> dict[str, int]:
    """Name → code of every split of a study whose own held-out sets are `study_sets` (codes
    2, 3, ... in that order)."""
    names = [held_out_name, training_name, *study_sets]
    if len(set(names)) < len(names):
        raise ValueError(f"split names must be distinct, got {names}")
    return {name: code for code, name in enumerate(names)}


def split_label(sizes: Sequence[tuple[int, int]]) -> np.ndarray:
    """The `split` label of trials stacked part by part: `sizes` holds (code, number of trials)
    per part, in stacking order."""
    codes, counts = zip(*sizes, strict=True) if sizes else ((), ())
    return np.repeat(np.asarray(codes, np.int8), np.asarray(counts, np.int64))
