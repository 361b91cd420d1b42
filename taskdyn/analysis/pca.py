"""PCA of hidden states: explained variance (scree) and projections onto the top components."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def flatten_states(hidden: np.ndarray) -> np.ndarray:
    """`[trial, time, unit]` → `[trial·time, unit]`."""
    return hidden.reshape(-1, hidden.shape[-1])


def explained_variance(hidden: np.ndarray, max_components: int = 10) -> np.ndarray:
    """Fraction of variance explained by each of the top principal components of `hidden`."""
    states = flatten_states(hidden)
    n = min(max_components, *states.shape)
    return PCA(n_components=n).fit(states).explained_variance_ratio_


def fit_pca(hidden: np.ndarray, n_components: int = 3) -> PCA:
    """A PCA of `hidden` states `[trial, time, unit]` with at most `n_components` components."""
    states = flatten_states(hidden)
    return PCA(n_components=min(n_components, *states.shape)).fit(states)


def project(pca: PCA, states: np.ndarray) -> np.ndarray:
    """Project states `[..., unit]` onto the fitted components, keeping the leading axes."""
    return pca.transform(states.reshape(-1, states.shape[-1])).reshape(*states.shape[:-1], -1)
