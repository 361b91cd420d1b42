"""When a learning curve gets somewhere: first threshold crossings and the order of acquisition."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def first_crossing(epochs: np.ndarray, values: np.ndarray, threshold: float) -> float:
    """The first epoch at which `values` reaches `threshold` (NaN if it never does).

    `epochs` and `values` are `(evaluation,)`, in any order; ties are broken by epoch.
    """
    epochs, values = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if epochs.shape != values.shape:
        raise ValueError(f"epochs {epochs.shape} and values {values.shape} differ in shape")
    reached = epochs[values >= threshold]
    return float(reached.min()) if reached.size else float("nan")


def arises_after(crossings: Mapping[str, float], later: str, earlier: str) -> bool:
    """Whether `later` crossed strictly after `earlier` did (False if either never crossed)."""
    first, second = crossings[earlier], crossings[later]
    return bool(np.isfinite(first) and np.isfinite(second) and second > first)
