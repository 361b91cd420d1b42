"""Orthogonalisation of decoder hyperplanes (Lei et al. 2024, Fig. 3).

For the one-vs-rest normals W_1..W_k of one property's values, the index is
O = mean over pairs i < j of (1 − |cos(W_i, W_j)|): 1 when the normals are mutually orthogonal,
0 when they are parallel. Random directions in d dimensions are themselves nearly orthogonal
when d is large, so `normalised_orthogonalisation` divides O by its expectation for uniformly
random directions in the same dimension, which makes spaces of different width (CNN features
vs RNN states) comparable. `compare_orthogonalisation` is the paper's two-sample t-test of
O(Perceptual) against O(Encoding); its samples (`TEST_UNITS`) are either the pairs of normals,
each pair's 1 − |cos| normalised the same way (`pair_orthogonality`), or one index per decoded
property (`test_samples`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import ttest_ind


def pair_orthogonality(normals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """1 − |cos| `[pair]` of every pair of rows a < b of `normals [class, unit]`, and the pairs
    `[pair, 2]` (row indices), in `np.triu_indices` order."""
    if len(normals) < 2:
        raise ValueError("the orthogonalisation index needs at least two normals")
    unit = normals / np.linalg.norm(normals, axis=1, keepdims=True)
    a, b = np.triu_indices(len(normals), k=1)
    return 1.0 - np.abs(np.sum(unit[a] * unit[b], axis=1)), np.stack([a, b], axis=1)


def orthogonalisation_index(normals: np.ndarray) -> float:
    """Mean of 1 − |cos| over all pairs of rows of `normals [class, unit]`."""
    return float(np.mean(pair_orthogonality(normals)[0]))


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


TEST_UNITS = {"pair": "pair of decoder normals (RNN: mean over seeds)",
              "property": "property (RNN: mean over seeds)"}


def test_samples(table: pd.DataFrame, unit: str, column: str = "normalised") -> pd.Series:
    """The t-test's samples of one space (and model) from orthogonalisation-table rows.

    `unit` `pair`: one sample per (property, pair of classes), from the `sample == "pair"`
    rows; `property`: one per property, from the `sample == "property"` rows. Seeds are
    averaged per sample (they are repeated fits, not new pairs or properties). Tables without
    a `sample` column hold property rows only.
    """
    if unit not in TEST_UNITS:
        raise ValueError(f"unknown t-test unit {unit!r}; one of {list(TEST_UNITS)}")
    if "sample" not in table:
        table = table.assign(sample="property")
    rows = table[table["sample"] == unit]
    keys = ["property", "pair"] if unit == "pair" else ["property"]
    return rows.groupby(keys)[column].mean()
