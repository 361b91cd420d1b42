"""Affine state R²: how well one model's latent states predict another's (CtDB's latent comparison).

Each model's states are reduced to their top PCs (fitted on training trials), or rotated onto
all of them (`n_components="all"`: the full latents, CtDB's convention, where a target's extra
dimensions lower the score); a linear regression maps source PCs to target PCs on training
trials and is scored on held-out trials. The score is R² per target PC and variance-weighted
over PCs (with all PCs, the variance-weighted R² of the latents themselves, as the rotation
changes neither). Asymmetric: compute both directions. Per-model work (PCA, projections) is
done once for all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from taskdyn.analysis.pca import fit_pca, project


@dataclass
class ProjectedStates:
    """One model's states on fit and score trials, projected onto its own top PCs."""

    fit: np.ndarray  # (samples, pcs)
    score: np.ndarray  # (samples, pcs)


ALL = "all"  # n_components meaning every PC: the full latents


def project_states(fit_hidden: np.ndarray, score_hidden: np.ndarray,
                   n_components: int | str) -> ProjectedStates:
    """PCA fitted on `fit_hidden` `[trial, time, unit]` (`n_components` PCs, or `ALL`),
    applied to both sets, flattened."""
    if n_components == ALL:
        n_components = fit_hidden.shape[-1]
    elif not isinstance(n_components, int):
        raise ValueError(f"n_components must be an integer or {ALL!r}, got {n_components!r}")
    pca = fit_pca(fit_hidden, n_components)
    flat = lambda h: project(pca, h).reshape(-1, pca.n_components_)  # noqa: E731
    return ProjectedStates(fit=flat(fit_hidden), score=flat(score_hidden))


def fit_affine_map(source: np.ndarray, target: np.ndarray) -> LinearRegression:
    """The affine least-squares map from `source` `(samples, dims)` to `target`
    `(samples, dims')`, paired by row."""
    return LinearRegression().fit(source, target)


def state_r2(source: ProjectedStates, target: ProjectedStates) -> tuple[float, np.ndarray]:
    """(variance-weighted R², R² per target PC) of the affine map source → target."""
    reg = fit_affine_map(source.fit, target.fit)
    predicted = reg.predict(source.score)
    per_pc = r2_score(target.score, predicted, multioutput="raw_values")
    weighted = r2_score(target.score, predicted, multioutput="variance_weighted")
    return float(weighted), per_pc


def pairwise_state_r2(models: dict[str, ProjectedStates]) -> dict[tuple[str, str], tuple[float, np.ndarray]]:
    """R² for every ordered pair (source, target) of distinct models."""
    return {(a, b): state_r2(models[a], models[b])
            for a in models for b in models if a != b}
