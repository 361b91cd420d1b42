"""Learned recurrent weights against a task's theoretical operator: matched eigenvalue spectra.

The variable-binding theory (Karuvally et al. 2023) predicts that a bias-free tanh RNN trained on
a linear binding task holds the task's transition matrix Φ in W_hh, up to a change of basis, so
the eigenvalues of W_hh near the unit circle should sit at Φ's eigenvalue angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from taskdyn.analysis.spectra import eigenvalues


@dataclass(frozen=True)
class SpectralError:
    """Mean angular mismatch (radians) of the matched eigenvalues with |λ| above a threshold.

    `n_learned` and `n_theory` count the eigenvalues above the threshold on each side; the error
    is over the min(n_learned, n_theory) pairs of the best angle matching, so when the counts
    differ it is still defined and `counts_match` is False. It is NaN only when a side has none.
    """

    error: float
    n_learned: int
    n_theory: int

    @property
    def counts_match(self) -> bool:
        """Whether both sides have as many eigenvalues above the threshold."""
        return self.n_learned == self.n_theory


def angle_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`(len(a), len(b))` absolute angle differences in [0, π] between complex numbers."""
    return np.abs(np.angle(a[:, None] * np.conj(b[None, :])))


def spectral_error(learned: np.ndarray, theory: np.ndarray,
                   threshold: float = 0.9) -> SpectralError:
    """Match eigenvalues with |λ| > `threshold` by angle (minimum total angle) and average it."""
    a = learned[np.abs(learned) > threshold]
    b = theory[np.abs(theory) > threshold]
    if len(a) == 0 or len(b) == 0:
        return SpectralError(float("nan"), len(a), len(b))
    cost = angle_distances(a, b)
    rows, cols = linear_sum_assignment(cost)
    return SpectralError(float(cost[rows, cols].mean()), len(a), len(b))


@dataclass(frozen=True)
class ProjectedSpectrum:
    """Eigenvalues of W restricted to its top-k left singular directions.

    `eigvals (k,)` of U_kᵀ W U_k, sorted by decreasing |λ|;
    `variance_ratio` = Σ_{i≤k} σ_i² / Σ σ_i².
    """

    eigvals: np.ndarray
    variance_ratio: float


def projected_spectrum(weights: np.ndarray, k: int) -> ProjectedSpectrum:
    """The anchor's "PCA subspace" spectrum of a square `(unit, unit)` matrix."""
    if not 1 <= k <= weights.shape[0]:
        raise ValueError(f"k must be in [1, {weights.shape[0]}] for a {weights.shape} matrix, "
                         f"got {k}")
    u, sigma, _ = np.linalg.svd(weights)
    top = u[:, :k]
    ratio = float(np.sum(sigma[:k] ** 2) / np.sum(sigma**2))
    return ProjectedSpectrum(eigenvalues(top.T @ weights @ top), ratio)


def unit_circle_count(eigvals: np.ndarray, tol: float) -> int:
    """How many eigenvalues lie within `tol` of the unit circle (||λ| − 1| ≤ tol)."""
    return int(np.sum(np.abs(np.abs(eigvals) - 1.0) <= tol))
