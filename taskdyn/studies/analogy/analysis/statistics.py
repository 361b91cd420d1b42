"""Statistics across seeds on arrays: intervals of a fraction and of a mean, when a curve falls
and how far two curves lie apart."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

LEVEL = 0.95
N_BOOT = 10_000


def wilson_interval(successes: int, trials: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a binomial fraction `successes / trials` (NaNs if no trials).

    Unlike the normal approximation it stays inside [0, 1] and is not degenerate at 0/n or n/n.
    """
    if trials <= 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + level / 2))
    p = successes / trials
    centre = (p + z**2 / (2 * trials)) / (1 + z**2 / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / (1 + z**2 / trials)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def bootstrap_mean(values: np.ndarray, level: float = LEVEL, n_boot: int = N_BOOT,
                   seed: int = 0) -> tuple[float, float, float]:
    """Mean of the finite `values` and its percentile bootstrap interval (resampling values).

    NaN values are dropped; no values give NaNs, one value a zero-width interval at it.
    Deterministic in `seed`.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(x.mean()), float(low), float(high)


def fall_epoch(epochs: np.ndarray, values: np.ndarray, fraction: float = 0.5,
               min_drop: float = 0.1) -> float:
    """The epoch a curve falls: after its peak, the first evaluation from which it stays below
    `peak − fraction · (peak − final)`, the peak being its maximum and `final` its last value.

    NaN if it never falls: the drop from peak to final is at most `min_drop` of the curve's
    range (max − min), which covers a curve whose peak is its last value and a curve that rises
    with a small wobble at the end. NaN values are ignored.
    """
    epochs, values = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if epochs.shape != values.shape:
        raise ValueError(f"epochs {epochs.shape} and values {values.shape} differ in shape")
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    keep = np.isfinite(values)
    order = np.argsort(epochs[keep], kind="stable")
    epochs, values = epochs[keep][order], values[keep][order]
    if values.size < 2:
        return float("nan")
    peak_at = int(np.argmax(values))
    peak, final = values[peak_at], values[-1]
    drop = peak - final
    if drop <= 0 or drop <= min_drop * (values.max() - values.min()):
        return float("nan")
    level = peak - fraction * drop
    # the peak is at or above the level and the final value below it (fraction < 1)
    above = np.flatnonzero(values[peak_at:] >= level)
    return float(epochs[peak_at + above[-1] + 1])


def mean_gap(epochs: np.ndarray, reference: np.ndarray, other: np.ndarray) -> float:
    """Mean of `reference − other` over the epochs (trapezoid area between the curves divided
    by the epoch span): positive when `other` lags `reference`. NaN with fewer than 2 epochs."""
    epochs = np.asarray(epochs, dtype=float)
    gap = np.asarray(reference, dtype=float) - np.asarray(other, dtype=float)
    if epochs.shape != gap.shape:
        raise ValueError(f"epochs {epochs.shape} and curves {gap.shape} differ in shape")
    keep = np.isfinite(gap)
    order = np.argsort(epochs[keep], kind="stable")
    epochs, gap = epochs[keep][order], gap[keep][order]
    if epochs.size < 2 or epochs[-1] == epochs[0]:
        return float("nan")
    area = float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(epochs)))
    return area / float(epochs[-1] - epochs[0])
