"""Comparing models by their hidden states: Procrustes shape distance, linear CKA, MDS maps.

Both measures compare `(sample, unit)` matrices whose rows are matched conditions (the same
trials and time steps); unit counts may differ. The per-model work (centring, scaling to unit
Frobenius norm, an SVD to a `(sample, rank)` score matrix) is done once in `prepare`; a pair then
only needs the small cross product of two score matrices:

- Procrustes (angular) shape distance: arccos of the nuclear norm of X'Y, i.e. the angle
  between the two after the best rotation/reflection (netrep's `LinearMetric(alpha=1)`); in
  [0, pi/2], 0 for copies that differ by rotation, isotropic scaling and translation.
- Linear CKA (Kornblith et al. 2019): ||X'Y||_F^2 / (||X'X||_F ||Y'Y||_F), in [0, 1], 1 for
  identical data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import silhouette_score


@dataclass(frozen=True)
class PreparedStates:
    """One model's centred, unit-norm states as scores `(sample, rank)` and their Gram norm."""

    scores: np.ndarray
    gram_norm: float


def prepare(states: np.ndarray) -> PreparedStates:
    """Centre the columns of `states` `(sample, unit)`, scale to unit norm, rotate to its PCs."""
    states = np.asarray(states, dtype=float)
    if states.ndim != 2:
        raise ValueError(f"states must be (sample, unit), got shape {states.shape}")
    centred = states - states.mean(axis=0)
    norm = np.linalg.norm(centred)
    if norm == 0:
        raise ValueError("states are constant; shape metrics are undefined")
    u, s, _ = np.linalg.svd(centred / norm, full_matrices=False)
    keep = s > s[0] * 1e-10
    return PreparedStates(scores=u[:, keep] * s[keep], gram_norm=float(np.linalg.norm(s ** 2)))


def procrustes_distance(x: PreparedStates | np.ndarray, y: PreparedStates | np.ndarray) -> float:
    """Angular Procrustes shape distance (radians) between two sample-matched state sets."""
    x, y = _prepared(x), _prepared(y)
    nuclear = np.linalg.svd(_cross(x, y), compute_uv=False).sum()
    return float(np.arccos(np.clip(nuclear, -1.0, 1.0)))


def linear_cka(x: PreparedStates | np.ndarray, y: PreparedStates | np.ndarray) -> float:
    """Linear centred kernel alignment between two sample-matched state sets."""
    x, y = _prepared(x), _prepared(y)
    return float(np.sum(_cross(x, y) ** 2) / (x.gram_norm * y.gram_norm))


def pairwise_shape_metrics(states: list[np.ndarray]) -> dict[str, np.ndarray]:
    """`procrustes` distances and `cka` similarities `(model, model)` among `states` sets."""
    prepared = [prepare(s) for s in states]
    n = len(prepared)
    out = {"procrustes": np.zeros((n, n)), "cka": np.ones((n, n))}
    for i in range(n):
        for j in range(i + 1, n):
            out["procrustes"][i, j] = out["procrustes"][j, i] = procrustes_distance(
                prepared[i], prepared[j])
            out["cka"][i, j] = out["cka"][j, i] = linear_cka(prepared[i], prepared[j])
    return out


def mds_embedding(distances: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS coordinates `(model, n_components)` of a distance matrix.

    Deterministic: each axis is signed so that its largest coordinate is positive. (Written out
    rather than `sklearn.manifold.MDS`, whose keywords changed across scikit-learn releases.)
    """
    d2 = np.asarray(distances, dtype=float) ** 2
    centring = np.eye(len(d2)) - 1.0 / len(d2)
    values, vectors = np.linalg.eigh(-0.5 * centring @ d2 @ centring)
    order = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), np.arange(coords.shape[1])])
    return coords * np.where(signs == 0, 1.0, signs)


def _prepared(states: PreparedStates | np.ndarray) -> PreparedStates:
    return states if isinstance(states, PreparedStates) else prepare(states)


def _cross(x: PreparedStates, y: PreparedStates) -> np.ndarray:
    if len(x.scores) != len(y.scores):
        raise ValueError(f"state sets must have matched samples, got {len(x.scores)} and "
                         f"{len(y.scores)}")
    return x.scores.T @ y.scores


def family_separation(distances: np.ndarray, families: list[str]) -> dict[str, float]:
    """How well a distance matrix separates model families.

    Returns the silhouette score of the family labels (NaN unless there are 2 to n-1
    families), the mean distance within and between families, and their ratio between/within.
    """
    distances = np.asarray(distances, dtype=float)
    labels = np.asarray(families)
    same = labels[:, None] == labels[None, :]
    pairs = same & ~np.eye(len(labels), dtype=bool)
    within = float(distances[pairs].mean()) if pairs.any() else np.nan
    between = float(distances[~same].mean()) if (~same).any() else np.nan
    n_families = len(np.unique(labels))
    silhouette = (float(silhouette_score(distances, labels, metric="precomputed"))
                  if 2 <= n_families < len(labels) else np.nan)
    return {"silhouette": silhouette, "within_family": within, "between_family": between,
            "between_within_ratio": between / within if within > 0 else np.nan}
