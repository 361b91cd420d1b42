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

    `n_learned` and `n_theory` count the eigenvalues above the threshold on each side. `error`
    is the anchor's spectral error: defined only when the counts agree, NaN when they differ
    (the anchor returns NaN and stores nothing; the paper's Table 1 shows "—").
    `partial_error` is the mean over the min(n_learned, n_theory) pairs of the best angle
    matching, so it stays defined when the counts differ; it is NaN only when a side has none.
    """

    error: float
    partial_error: float
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
        return SpectralError(float("nan"), float("nan"), len(a), len(b))
    cost = angle_distances(a, b)
    rows, cols = linear_sum_assignment(cost)
    partial = float(cost[rows, cols].mean())
    return SpectralError(partial if len(a) == len(b) else float("nan"), partial, len(a), len(b))


@dataclass(frozen=True)
class ProjectedSpectrum:
    """W restricted to its top-k left singular directions U_k.

    `matrix (k, k)` = U_kᵀ W U_k (the anchor's W_sub); `eigvals (k,)` its eigenvalues, sorted by
    decreasing |λ|; `variance_ratio` = Σ_{i≤k} σ_i² / Σ σ_i².
    """

    matrix: np.ndarray
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
    sub = top.T @ weights @ top
    return ProjectedSpectrum(sub, eigenvalues(sub), ratio)


@dataclass(frozen=True)
class FrobeniusError:
    """‖W_sub − Φ‖_F (`error`) and that over ‖Φ‖_F (`relative`)."""

    error: float
    relative: float


def frobenius_error(projected: np.ndarray, phi: np.ndarray) -> FrobeniusError:
    """The anchor's Frobenius error of a projected `(k, k)` matrix against Φ `(k, k)`.

    W_sub is W in its own top-k left singular basis U_k, not in Φ's coordinates, so the error
    is zero only when that basis lines up with Φ's axes: even W = Φ (zero spectral error) has a
    nonzero error unless Φ's left singular vectors are the coordinate axes up to sign, and where
    singular values repeat (the binding tasks' Φ has only 0 and 1) U_k, and so the error, is
    whichever basis the SVD routine returns. It is reported because the anchor reports it.
    """
    if projected.shape != phi.shape:
        raise ValueError(f"the projected matrix {projected.shape} and Φ {phi.shape} differ "
                         "in shape")
    error = float(np.linalg.norm(projected - phi))
    return FrobeniusError(error, error / float(np.linalg.norm(phi)))


def unit_circle_count(eigvals: np.ndarray, tol: float) -> int:
    """How many eigenvalues lie within `tol` of the unit circle (||λ| − 1| ≤ tol)."""
    return int(np.sum(np.abs(np.abs(eigvals) - 1.0) <= tol))


def histogram_edges(eigvals: np.ndarray, n_bins: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The anchor's histogram bins: `n_bins + 1` edges over |λ| from 0 to 1.1 × max |λ| and
    over the angle from −π to π."""
    top = 1.1 * float(np.abs(eigvals).max()) if len(eigvals) else 1.0
    return np.linspace(0.0, top or 1.0, n_bins + 1), np.linspace(-np.pi, np.pi, n_bins + 1)
