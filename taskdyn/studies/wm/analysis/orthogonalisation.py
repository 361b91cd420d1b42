"""Orthogonalisation of decoder hyperplanes (Lei et al. 2024, Fig. 3).

For the one-vs-rest normals W_1..W_k of one property's values, the index is
O = mean over pairs i < j of (1 − |cos(W_i, W_j)|): 1 when the normals are mutually orthogonal,
0 when they are parallel. Random directions in d dimensions are themselves nearly orthogonal
when d is large, so `normalised_orthogonalisation` divides O by its expectation for uniformly
random directions in the same dimension, which makes spaces of different width (CNN features
vs RNN states) comparable. `compare_orthogonalisation` is the paper's two-sample t-test of
O(Perceptual) against O(Encoding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln
from scipy.stats import ttest_ind


def orthogonalisation_index(normals: np.ndarray) -> float:
    """Mean of 1 − |cos| over all pairs of rows of `normals [class, unit]`."""
    if len(normals) < 2:
        raise ValueError("the orthogonalisation index needs at least two normals")
    unit = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    cos = unit @ unit.T
    pairs = np.triu_indices(len(normals), k=1)
    return float(np.mean(1.0 - np.abs(cos[pairs])))


def random_orthogonalisation(n_dims: int) -> float:
    """Expected 1 − |cos| between two uniformly random directions in `n_dims` dimensions.

    E|cos| = Γ(d/2) / (√π · Γ((d+1)/2)).
    """
    mean_abs_cos = np.exp(gammaln(n_dims / 2) - gammaln((n_dims + 1) / 2)) / np.sqrt(np.pi)
    return float(1.0 - mean_abs_cos)


def normalised_orthogonalisation(normals: np.ndarray) -> float:
    """`orthogonalisation_index` divided by its value for random directions of the same width."""
    return orthogonalisation_index(normals) / random_orthogonalisation(normals.shape[1])


@dataclass
class SpaceComparison:
    """Two-sample t-test of orthogonalisation indices, perceptual (CNN) vs encoding (RNN).

    `statistic` > 0 when the perceptual space is the more orthogonalised (the paper's finding).
    """

    statistic: float
    pvalue: float
    n_perceptual: int
    n_encoding: int
    mean_perceptual: float
    mean_encoding: float
    dof: float = float("nan")  # degrees of freedom of the t distribution (Welch: fractional)

    @property
    def more_orthogonalised(self) -> str:
        """`perceptual`, `encoding`, or `neither` (equal means)."""
        if self.mean_perceptual == self.mean_encoding:
            return "neither"
        return "perceptual" if self.mean_perceptual > self.mean_encoding else "encoding"


def compare_orthogonalisation(perceptual: np.ndarray, encoding: np.ndarray,
                              equal_var: bool = False) -> SpaceComparison:
    """`scipy.stats.ttest_ind(perceptual, encoding)` on independent samples of indices.

    Welch's test by default (`equal_var=False`: the two spaces differ in width and spread);
    the statistic, p-value and degrees of freedom are NaN when the test is undefined (fewer
    than two samples in a group, or zero variance in both).
    """
    a, b = np.asarray(perceptual, dtype=float), np.asarray(encoding, dtype=float)
    if min(len(a), len(b)) < 2 or (np.var(a) == 0 and np.var(b) == 0):
        statistic = pvalue = dof = np.nan
    else:
        result = ttest_ind(a, b, equal_var=equal_var)
        statistic, pvalue, dof = float(result.statistic), float(result.pvalue), float(result.df)
    return SpaceComparison(statistic, pvalue, len(a), len(b),
                           float(a.mean()) if len(a) else np.nan,
                           float(b.mean()) if len(b) else np.nan, dof)
