"""Causal perturbation of a held memory along its decoder's normal (Lei et al. 2024, Fig. A7).

A state x that holds the remembered value c (decoded by one-vs-rest normals W, as
`taskdyn.analysis.decoding.decoder_normals` fits them) is moved against the unit normal of
its own class, x' = x − m · σ_c · ŵ_c, where σ_c is the standard deviation of the decoder
states' projections on ŵ_c: the magnitude m counts standard deviations along the decoding
axis. The recurrent map then runs one step from x' on the next input and the readout's class
probabilities are compared with those after a control shift of the same length along a random
direction. If the network reads the memory from the decoded subspace, the decoder shift changes
its answer and the random shift (nearly orthogonal to that axis in many dimensions) does not.

The model enters as two numpy callables, `step(state [sample, state], u [sample, input])` →
`[sample, state]` and `readout(state [sample, state])` → logits `[sample, class]`, so this
module needs no torch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import softmax

StepMap = Callable[[np.ndarray, np.ndarray], np.ndarray]
Readout = Callable[[np.ndarray], np.ndarray]


def unit_rows(normals: np.ndarray) -> np.ndarray:
    """`normals [class, unit]` scaled to unit length per row."""
    norms = np.linalg.norm(normals, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("a decoder normal is zero: no direction to shift along")
    return normals / norms


def axis_spread(X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Standard deviation `[direction]` of the rows of `X [sample, unit]` projected on each
    unit row of `directions [direction, unit]`."""
    return (X @ directions.T).std(axis=0)


def decoder_shifts(directions: np.ndarray, classes: np.ndarray, labels: np.ndarray,
                   spread: np.ndarray) -> np.ndarray:
    """Shift `[sample, unit]` of magnitude one for each sample: −σ_c ŵ_c of its label c.

    `directions [class, unit]` unit normals in the order of `classes`; `spread [class]` σ_c.
    """
    index = np.searchsorted(classes, labels)
    if np.any(index >= len(classes)) or np.any(classes[np.minimum(index, len(classes) - 1)]
                                               != labels):
        raise ValueError("every label must be one of the decoder's classes")
    return -spread[index, None] * directions[index]


def random_shifts(shifts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniformly random directions with the same length per row as `shifts [sample, unit]`."""
    gaussian = rng.standard_normal(shifts.shape)
    return unit_rows(gaussian) * np.linalg.norm(shifts, axis=1, keepdims=True)


def shifted_probabilities(states: np.ndarray, inputs: np.ndarray, shifts: np.ndarray,
                          magnitudes: np.ndarray, step: StepMap,
                          readout: Readout) -> np.ndarray:
    """Readout probabilities `[magnitude, sample, class]` one step after `states + m · shifts`.

    `states [sample, state]` the states before the input; `inputs [sample, input]` the next
    input; `shifts [sample, state]` the shift of magnitude one; `magnitudes [magnitude]`.
    """
    out = []
    for m in np.asarray(magnitudes, dtype=float):
        start = (states + m * shifts).astype(states.dtype)
        out.append(softmax(np.asarray(readout(step(start, inputs)), dtype=float), axis=-1))
    return np.stack(out)
