"""Procrustes alignment of decoders across time: how a memory's subspace moves (Lei et al. 2024).

Stacked one-vs-rest decoder normals `W(i, t)` (`[class, unit]`) of the stimulus shown at step
i, fitted at step t, are aligned from one step to the next by an orthogonal rotation and one
scale, `W(i, t + 1) ≈ s · W(i, t) · R` (scipy's orthogonal Procrustes). Two tests follow:

- reconstruction: the rotated source decoders score nearly as well on step t + 1 as decoders
  fitted there directly when the change is a rotation plus scaling;
- swap test: the rotation is replaced by that of another transition, either the same age of
  memory for a different stimulus, R(i + k, t + k → t + k + 1), or the same stimulus at a
  different time, R(i, t' → t' + 1). If memories sit in chronological (age-indexed)
  subspaces, the same-age rotation transfers and the same-stimulus one does not.

Where a decoder scores at chance, every decoder rebuilt from it does too, so "own rotation ≈
fitted directly" holds trivially and a rotation fitted between chance-level decoders is noise:
`swap_test(..., usable=...)` marks the transitions whose decoders at both steps beat chance and
draws swap partners from those only.

This is the decoder alignment of the WM paper; `taskdyn.analysis.similarity` holds the
Procrustes shape distance between whole sets of hidden states.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.linalg import orthogonal_procrustes

from taskdyn.analysis.decoding import decoder_normals, normals_accuracy


@dataclass
class RotationScale:
    """`target ≈ scale · source @ rotation`: orthogonal `rotation [unit, unit]`, one `scale`."""

    rotation: np.ndarray
    scale: float
    disparity: float  # ‖scale · source @ rotation − target‖² / ‖target‖²

    def apply(self, source: np.ndarray) -> np.ndarray:
        """Map `source [row, unit]` with the fitted rotation and scale."""
        return self.scale * source @ self.rotation


def fit_rotation_scale(source: np.ndarray, target: np.ndarray) -> RotationScale:
    """Least-squares rotation and scale from `source` to `target` (both `[row, unit]`)."""
    if source.shape != target.shape:
        raise ValueError(f"source {source.shape} and target {target.shape} differ in shape")
    rotation, singular_sum = orthogonal_procrustes(source, target)
    scale = float(singular_sum / np.sum(source**2))
    residual = scale * source @ rotation - target
    return RotationScale(rotation, scale, float(np.sum(residual**2) / np.sum(target**2)))


@dataclass
class SwapTest:
    """Accuracies `[stimulus, source_time]` (NaN where undefined) of decoders moved t → t + 1."""

    direct: np.ndarray            # fitted at t + 1
    reconstructed: np.ndarray     # W(i, t) moved by its own rotation
    same_age: np.ndarray          # ... by rotations of other stimuli at the same memory age
    same_stimulus: np.ndarray     # ... by rotations of the same stimulus at other times
    unrotated: np.ndarray         # W(i, t) applied at t + 1 as it is
    source: np.ndarray            # W(i, t) at its own step t
    scale: np.ndarray             # fitted scale of the own rotation
    disparity: np.ndarray         # relative residual of the own rotation
    above_chance: np.ndarray      # bool: W(i, t) and W(i, t + 1) both usable
    n_same_age: np.ndarray        # swap partners averaged in `same_age`
    n_same_stimulus: np.ndarray   # ... in `same_stimulus`


Usable = Callable[[np.ndarray, np.ndarray], bool]


def swap_test(hidden: np.ndarray, labels: np.ndarray, train: np.ndarray, test: np.ndarray,
              C: float = 1.0, usable: Usable | None = None) -> SwapTest:
    """Reconstruction and swap test for every stimulus i and step t ≥ i with a step t + 1.

    `hidden [trial, time, unit]`; `labels [trial, stimulus]` the property of the stimulus
    shown at each step (what is remembered from then on); decoders are fitted on `train`
    trials and scored on `test` trials, each step centred by its training-trial mean.
    `usable(truth, predicted)` says whether decoder W(i, t), scored at its own step t, beats
    chance (None: every decoder does); swap partners are the transitions whose decoders at
    both ends are usable (`above_chance`).
    """
    n_steps = hidden.shape[1]
    center = hidden[train].mean(axis=0)  # [time, unit]
    normals = {(i, t): decoder_normals(hidden[train, t], labels[train, i], C)
               for i in range(n_steps) for t in range(i, n_steps)}
    rotations = {(i, t): fit_rotation_scale(normals[i, t][0], normals[i, t + 1][0])
                 for i in range(n_steps) for t in range(i, n_steps - 1)}

    def predict(weights: np.ndarray, i: int, t: int) -> np.ndarray:
        classes = normals[i, t][1]
        return classes[np.argmax((hidden[test, t] - center[t]) @ weights.T, axis=1)]

    def score(weights: np.ndarray, i: int, t: int) -> float:
        classes = normals[i, t][1]
        return normals_accuracy(weights, classes, hidden[test, t], labels[test, i], center[t])

    good = {key: usable is None or bool(usable(labels[test, key[0]], predict(w, *key)))
            for key, (w, _) in normals.items()}
    valid = {(i, t) for i, t in rotations if good[i, t] and good[i, t + 1]}
    shape = (n_steps, n_steps - 1)
    out = {name: np.full(shape, np.nan) for name in SwapTest.__dataclass_fields__}
    out["above_chance"] = np.zeros(shape, dtype=bool)
    for (i, t), own in rotations.items():
        source = normals[i, t][0]
        out["direct"][i, t] = score(normals[i, t + 1][0], i, t + 1)
        out["reconstructed"][i, t] = score(own.apply(source), i, t + 1)
        out["unrotated"][i, t] = score(source, i, t + 1)
        out["source"][i, t] = score(source, i, t)
        out["scale"][i, t], out["disparity"][i, t] = own.scale, own.disparity
        out["above_chance"][i, t] = (i, t) in valid
        same_age = [r for (j, u), r in rotations.items()
                    if (j, u) in valid and j != i and u - j == t - i]
        same_stimulus = [r for (j, u), r in rotations.items()
                         if (j, u) in valid and j == i and u != t]
        for name, swaps in (("same_age", same_age), ("same_stimulus", same_stimulus)):
            out[f"n_{name}"][i, t] = len(swaps)
            if swaps:
                out[name][i, t] = np.mean([score(r.apply(source), i, t + 1) for r in swaps])
    return SwapTest(**out)
