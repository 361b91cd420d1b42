"""Dynamical Similarity Analysis (Ostrow et al. 2023) through `dsa-metric` 2.0.2 (import `DSA`).

Each system's states are first reduced to their top `n_components` principal components (so wide
and narrow networks are embedded alike and the Hankel matrix stays well determined), then
delay-embedded (`n_delays` copies, `delay_interval` apart), reduced to `rank` dimensions and
fitted with a linear (HAVOK-style DMD) operator A, once per system. Pairs
are then scored on those operators: `"wasserstein"` compares the eigenvalue clouds of A (no
optimisation; DSA's own default since 2.0.1), `"angular"` the operators themselves up to an
orthogonal change of basis (an Adam fit of `iters` steps at rate `lr` per pair). Every setting
is passed explicitly, because the package's defaults changed between releases.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA

SCORE_METHODS = ("wasserstein", "angular")


def dsa_distances(systems: list[np.ndarray], *, n_components: int, n_delays: int,
                  delay_interval: int, rank: int, score_method: str, iters: int, lr: float,
                  seed: int) -> np.ndarray:
    """Symmetric `(system, system)` DSA distances, zero on the diagonal.

    Each entry of `systems` is one system's states `[trial, time, unit]` (units may differ
    between systems; trials and time must allow the delay embedding). `seed` seeds torch for
    the angular optimiser.
    """
    from DSA import DSA

    if score_method not in SCORE_METHODS:
        raise ValueError(f"score_method must be one of {SCORE_METHODS}, got {score_method!r}")
    if len(systems) < 2:
        raise ValueError(f"DSA compares at least two systems, got {len(systems)}")
    reduced = [principal_components(s, n_components) for s in systems]
    for i, states in enumerate(reduced):
        n_trials, n_steps, width = states.shape
        embedded = width * n_delays
        n_samples = n_trials * (n_steps - (n_delays - 1) * delay_interval)
        if rank > embedded:
            raise ValueError(f"system {i}: rank {rank} exceeds its delay-embedded dimension "
                             f"({width} components x {n_delays} delays)")
        if n_samples < embedded:
            raise ValueError(f"system {i}: {n_samples} delay-embedded samples cannot fit "
                             f"{embedded} dimensions; use more trials or fewer delays")
    torch.manual_seed(seed)
    dsa = DSA(reduced, n_delays=n_delays,
              delay_interval=delay_interval, rank=rank, score_method=score_method, iters=iters,
              lr=lr, device="cpu", verbose=False, n_jobs=1)
    distances = np.asarray(dsa.fit_score(), dtype=float).reshape(len(systems), len(systems))
    np.fill_diagonal(distances, 0.0)
    return distances


def principal_components(states: np.ndarray, n_components: int) -> np.ndarray:
    """States `[trial, time, unit]` projected on their top `n_components` PCs (at most all)."""
    if states.ndim != 3:
        raise ValueError(f"states must be [trial, time, unit], got shape {states.shape}")
    flat = states.reshape(-1, states.shape[-1]).astype(np.float64)
    pca = PCA(n_components=min(n_components, *flat.shape))
    return pca.fit_transform(flat).reshape(*states.shape[:2], -1)
