"""Orthogonalisation of decoder hyperplanes (Lei et al. 2024, Fig. 3).

For the one-vs-rest normals W_1..W_k of one property's values, the index is
O = mean over pairs i < j of (1 − |cos(W_i, W_j)|): 1 when the normals are mutually orthogonal,
0 when they are parallel. Random directions in d dimensions are themselves nearly orthogonal
when d is large, so `normalised_orthogonalisation` divides O by its expectation for uniformly
random directions in the same dimension, which makes spaces of different width (CNN features
vs RNN states) comparable.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln


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
