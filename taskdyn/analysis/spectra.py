"""Eigenvalue spectra of recurrent weight matrices and of Jacobians."""

from __future__ import annotations

import numpy as np


def eigenvalues(matrix: np.ndarray) -> np.ndarray:
    """Eigenvalues of a square matrix, sorted by decreasing magnitude."""
    values = np.linalg.eigvals(np.asarray(matrix, dtype=float))
    return values[np.argsort(-np.abs(values), kind="stable")]


def spectral_radius(matrix: np.ndarray) -> float:
    """Largest eigenvalue magnitude."""
    return float(np.max(np.abs(np.linalg.eigvals(np.asarray(matrix, dtype=float)))))


def is_stable_discrete(eigvals: np.ndarray) -> np.ndarray:
    """Stability of a discrete-time map's fixed points: every |λ| < 1 (last axis = eigenvalues)."""
    return np.max(np.abs(eigvals), axis=-1) < 1.0
