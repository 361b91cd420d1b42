"""How a transformer applies a functor: attention to the source, parallelism, isometry.

The mechanistic measures of Minegishi et al. (2026) and their toy-model notebooks, on arrays:

- `attention_to_source`: the attention weight from the functor token's position to the source
  entity's position, per layer and head, averaged over prompts (the paper: it rises *before*
  analogical accuracy does).
- `parallelism`: cos(t − s, f) per prompt, for a target vector t, a source vector s and the
  functor token's vector f; it is 1 when the step from source to target points along the
  functor ("source + functor ≈ target"). The callers choose what t, s and f are.
- `isometry`: the Pearson correlation of the pairwise distances among the source entities with
  those among their images (1 when f carries E1's geometry onto E2's up to rotation and scale);
  with `method="spearman"` their rank correlation (1 whenever f keeps the order of the
  distances, e.g. under any monotone distortion of E1's geometry).
- `isometry_null`: the interval the isometry takes when the pairing of sources and targets is
  shuffled (a permutation null: what the correlation is without any correspondence).
- `attention_chance`: the attention weight a head spreading its attention evenly would give.
- `half_rise_epoch`: when a curve has covered a given fraction of its rise, to time a
  mechanism against behaviour.

Arrays in, floats or arrays out; no model, no I/O.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import spearmanr


def attention_to_source(patterns: np.ndarray, query: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Mean attention from each prompt's `query` position to its `key` position, per head.

    `patterns` is `(layer, prompt, head, query, key)` attention weights (rows sum to 1);
    `query` and `key` are `(prompt,)` positions (for an analogical prompt `(e, <f>)`: the
    functor token at 1, the source entity at 0). Returns `(layer, head)`.
    """
    patterns = np.asarray(patterns, dtype=np.float64)
    query, key = np.asarray(query, dtype=np.int64), np.asarray(key, dtype=np.int64)
    if patterns.ndim != 5:
        raise ValueError(f"patterns must be (layer, prompt, head, query, key), got "
                         f"{patterns.shape}")
    n_prompt = patterns.shape[1]
    if query.shape != (n_prompt,) or key.shape != (n_prompt,):
        raise ValueError(f"query {query.shape} and key {key.shape} must be ({n_prompt},)")
    if n_prompt == 0:
        raise ValueError("no prompts")
    picked = patterns[:, np.arange(n_prompt), :, query, key]  # (prompt, layer, head)
    return picked.mean(axis=0)


def parallelism(targets: np.ndarray, sources: np.ndarray, functors: np.ndarray) -> np.ndarray:
    """cos(target − source, functor) per row: `(..., feature)` arrays in, `(...)` out.

    Broadcasts over leading axes (e.g. sources `(layer, head, prompt, feature)` against targets
    `(prompt, feature)`). A zero difference or functor vector gives NaN.
    """
    diff = np.asarray(targets, dtype=np.float64) - np.asarray(sources, dtype=np.float64)
    functors = np.asarray(functors, dtype=np.float64)
    norms = np.linalg.norm(diff, axis=-1) * np.linalg.norm(functors, axis=-1)
    dots = np.sum(diff * functors, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), np.nan)


def isometry(sources: np.ndarray, targets: np.ndarray, *, normalise: bool = True,
             method: Literal["pearson", "spearman"] = "pearson") -> float:
    """Correlation of pairwise Euclidean distances within `sources` and within `targets`.

    `sources` and `targets` are `(entity, feature)`, row i of `targets` the image of row i of
    `sources` (E1 and f(E1) = E2). The distances of every unordered pair i < j are compared:
    by Pearson correlation (`method="pearson"`), or by Spearman rank correlation
    (`"spearman"`, `scipy.stats.spearmanr`; tied distances get their mean rank).
    With `normalise` each row is L2-normalised first, as for the Dirichlet energy, so that norm
    growth alone cannot make the two geometries agree. NaN when either set's distances are all
    equal (the correlation is undefined); needs at least three entities.
    """
    x, y = _paired_entities(sources, targets, method, normalise)
    if x.shape[0] < 3:
        raise ValueError(f"isometry needs at least 3 entities (3 distances), got {x.shape[0]}")
    upper = np.triu_indices(x.shape[0], k=1)
    dx = np.linalg.norm(x[:, None] - x[None], axis=-1)[upper]
    dy = np.linalg.norm(y[:, None] - y[None], axis=-1)[upper]
    if any(np.ptp(d) <= 1e-12 * max(float(d.max()), 1e-300) for d in (dx, dy)):
        return float("nan")
    if method == "spearman":
        return float(np.clip(spearmanr(dx, dy).statistic, -1.0, 1.0))
    dx, dy = dx - dx.mean(), dy - dy.mean()
    r = np.sum(dx * dy) / np.sqrt(np.sum(dx**2) * np.sum(dy**2))
    return float(np.clip(r, -1.0, 1.0))


def _paired_entities(sources: np.ndarray, targets: np.ndarray, method: str,
                     normalise: bool) -> tuple[np.ndarray, np.ndarray]:
    """The two `(entity, feature)` sets as float64, checked (same shape, a known correlation
    `method`) and, with `normalise`, each row L2-normalised."""
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    x, y = np.asarray(sources, dtype=np.float64), np.asarray(targets, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"sources {x.shape} and targets {y.shape} must be equal (entity, "
                         "feature) shapes")
    if normalise:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        y = y / np.linalg.norm(y, axis=1, keepdims=True)
    return x, y


def attention_chance(length: np.ndarray) -> float:
    """Mean over prompts of 1 / (tokens the query attends to): the attention to any one key of a
    head that attends uniformly, for a query at the last of `length` causal positions."""
    length = np.asarray(length, dtype=float)
    if length.size == 0 or (length < 1).any():
        raise ValueError("needs prompts of at least one token")
    return float(np.mean(1.0 / length))


def isometry_null(sources: np.ndarray, targets: np.ndarray, *, n_perm: int = 200,
                  level: float = 0.95, seed: int = 0, normalise: bool = True,
                  method: Literal["pearson", "spearman"] = "pearson") -> tuple[float, float]:
    """Central `level` interval of `isometry` under random re-pairings of targets to sources.

    Each of `n_perm` permutations π (seeded by `seed`) compares the distances d_E1(i, j) with
    d_E2(π i, π j), so the correlation measures geometry shared by chance alone; an isometry
    outside the interval is more than the entity count allows by chance. NaNs below 3 entities.
    """
    x, y = _paired_entities(sources, targets, method, normalise)
    n = x.shape[0]
    if n < 3:
        return float("nan"), float("nan")
    upper = np.triu_indices(n, k=1)
    dx = np.linalg.norm(x[:, None] - x[None], axis=-1)[upper]
    full = np.linalg.norm(y[:, None] - y[None], axis=-1)
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n_perm, n)), axis=1)
    dy = full[perms[:, :, None], perms[:, None, :]][:, upper[0], upper[1]]  # (perm, pair)
    if method == "spearman":
        dx = np.argsort(np.argsort(dx)).astype(float)
        dy = np.argsort(np.argsort(dy, axis=1), axis=1).astype(float)
    dx = dx - dx.mean()
    dy = dy - dy.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = dy @ dx / np.sqrt(np.sum(dy**2, axis=1) * np.sum(dx**2))
    tail = 100 * (1 - level) / 2
    low, high = np.nanpercentile(r, [tail, 100 - tail])
    return float(low), float(high)


def half_rise_epoch(epochs: np.ndarray, values: np.ndarray, fraction: float = 0.5) -> float:
    """The first epoch at which `values` has covered `fraction` of its rise (NaN if no rise).

    The rise is from the value at the earliest epoch to the maximum over all epochs; the onset
    is the first epoch whose value reaches `start + fraction · (max − start)`. A curve that
    never exceeds its start gives NaN. NaN values are ignored. `epochs`, `values`: `(eval,)`.
    """
    epochs, values = np.asarray(epochs, dtype=float), np.asarray(values, dtype=float)
    if epochs.shape != values.shape:
        raise ValueError(f"epochs {epochs.shape} and values {values.shape} differ in shape")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    keep = np.isfinite(values)
    order = np.argsort(epochs[keep], kind="stable")
    epochs, values = epochs[keep][order], values[keep][order]
    if values.size == 0 or values.max() <= values[0]:
        return float("nan")
    level = values[0] + fraction * (values.max() - values[0])
    return float(epochs[np.argmax(values >= level)])
