"""Variable memories (Karuvally et al.): the privileged basis Ψ in which a trained binding RNN's
W_hh acts as the task's transition matrix Φ.

The basis is grounded on the readout: the last memory block is pinv(W_hy) (what the readout
reads), and block i is W_hh^(s−1−i) applied to it, each column normalised. Only the dimensions of
Φ that carry its |λ| > threshold modes are kept (T1 needs all s·d, the composed tasks 36 of 64).
The dual Ψ* is the pseudo-inverse of the kept columns; the empirical Φ is Ψ* W_hh Ψ, and hidden
states read in the basis (Ψ* h) show which stored variable each memory block holds at each step.
By construction Ψ* W_hh Ψ shifts block i + 1 into block i for any W_hh: the test of a network is
its last block row, the task operator (`OperatorAgreement`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ESSENTIAL_THRESHOLD = 0.8  # |λ| above which a mode of Φ counts towards its rank (the anchor's)


@dataclass(frozen=True)
class VariableMemories:
    """A variable-memory basis of `s` blocks of `d` directions in a `(unit,)` hidden space.

    `psi (unit, s·d)` holds the basis columns and `psi_star (s·d, unit)` their dual rows, both
    zero at the dimensions Φ does not need (`kept (s·d,)` False).
    """

    psi: np.ndarray
    psi_star: np.ndarray
    kept: np.ndarray


def essential_dimensions(phi: np.ndarray, threshold: float = ESSENTIAL_THRESHOLD) -> np.ndarray:
    """`(s·d,)` bool: the dimensions of Φ whose removal (row and column) lowers the number of
    eigenvalues with |λ| > `threshold`, i.e. those its persistent modes live on."""
    def rank(matrix: np.ndarray) -> int:
        return int(np.sum(np.abs(np.linalg.eigvals(matrix)) > threshold))

    full = rank(phi)
    return np.array([rank(np.delete(np.delete(phi, i, 0), i, 1)) < full
                     for i in range(len(phi))])


def variable_memory_basis(w_hh: np.ndarray, w_hy: np.ndarray, phi: np.ndarray,
                          threshold: float = ESSENTIAL_THRESHOLD) -> VariableMemories:
    """The readout-grounded basis of a bias-free RNN `(w_hh (unit, unit), w_hy (d, unit))` for
    a task of transition matrix `phi (s·d, s·d)`."""
    d = w_hy.shape[0]
    s, rest = divmod(len(phi), d)
    if rest:
        raise ValueError(f"Φ of size {len(phi)} is not s blocks of the readout's {d} outputs")
    grounded = np.linalg.pinv(w_hy)
    blocks = [np.linalg.matrix_power(w_hh, s - 1 - i) @ grounded for i in range(s)]
    psi = np.concatenate([b / np.linalg.norm(b, axis=0, keepdims=True) for b in blocks], axis=1)
    kept = essential_dimensions(phi, threshold)
    psi = np.where(kept[None, :], psi, 0.0)
    psi_star = np.zeros(psi.T.shape)
    psi_star[kept] = np.linalg.pinv(psi[:, kept])
    return VariableMemories(psi, psi_star, kept)


def empirical_transition(memories: VariableMemories, w_hh: np.ndarray) -> np.ndarray:
    """`(s·d, s·d)` Ψ* W_hh Ψ: the recurrent weights read in the variable-memory basis."""
    return memories.psi_star @ w_hh @ memories.psi


@dataclass(frozen=True)
class OperatorAgreement:
    """How well an empirical Φ matches the theory on the kept dimensions.

    `frobenius` ‖Φ_emp − Φ‖_F and `relative` (÷ ‖Φ‖_F), the anchor's measures. The basis is
    built by powers of W_hh, so Ψ* W_hh Ψ is a block shift for ANY network; only its last block
    row (W_hh^s applied to the readout's directions, where Φ holds the task operator Fᵀ) can
    disagree. `operator_relative` is the error on those rows (÷ their norm in Φ), and
    `operator_match` the fraction of them whose largest |entry| sits where Φ's single ±1 does,
    with its sign.
    """

    frobenius: float
    relative: float
    operator_relative: float
    operator_match: float


def operator_agreement(empirical: np.ndarray, phi: np.ndarray, kept: np.ndarray,
                       input_dim: int) -> OperatorAgreement:
    """Compare an empirical transition matrix with the theory's on the dimensions `kept`."""
    emp, theory = empirical[np.ix_(kept, kept)], phi[np.ix_(kept, kept)]
    diff = float(np.linalg.norm(emp - theory))
    last = kept[-input_dim:].sum()  # the kept rows of the last block: the operator rows
    emp_rows, theory_rows = emp[-last:], theory[-last:]
    rows = np.arange(last)
    emp_arg, theory_arg = np.abs(emp_rows).argmax(axis=1), np.abs(theory_rows).argmax(axis=1)
    same = (emp_arg == theory_arg) & (np.sign(emp_rows[rows, emp_arg])
                                      == np.sign(theory_rows[rows, theory_arg]))
    return OperatorAgreement(
        diff, diff / float(np.linalg.norm(theory)),
        float(np.linalg.norm(emp_rows - theory_rows) / np.linalg.norm(theory_rows)),
        float(same.mean()))


def memory_coordinates(hidden: np.ndarray, memories: VariableMemories) -> np.ndarray:
    """`(..., s·d)` hidden states `(..., unit)` read in the basis: Ψ* h."""
    return hidden @ memories.psi_star.T


def residual_fraction(hidden: np.ndarray, memories: VariableMemories) -> float:
    """The fraction of the hidden states' squared norm outside the span of the kept Ψ."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    inside = memory_coordinates(flat, memories) @ memories.psi.T
    return float(np.sum((flat - inside) ** 2) / np.sum(flat**2))


def variable_locations(coordinates: np.ndarray, stored: np.ndarray) -> np.ndarray:
    """`(time, block, variable)` where the network holds each stored variable at each step: the
    mean over a block's d directions of the largest |corr| with any bit of the variable (so a
    block holding a variable with its bits permuted or sign-flipped still scores 1).

    `coordinates (trial, time, s·d)`; `stored (trial, variable, bit)` ±1 input values (a trial
    with an unknown value, 0, is left out for that variable).
    """
    n_trials, n_time, width = coordinates.shape
    _, n_var, d = stored.shape
    blocks = coordinates.reshape(n_trials, n_time, width // d, d)
    out = np.zeros((n_time, width // d, n_var))
    for j in range(n_var):
        known = np.all(stored[:, j] != 0, axis=1)
        x = blocks[known] - blocks[known].mean(axis=0)  # (trial, time, block, direction)
        y = stored[known, j] - stored[known, j].mean(axis=0)  # (trial, bit)
        cov = np.einsum("ntkb,nc->tkbc", x, y)
        scale = np.sqrt(np.einsum("ntkb,ntkb->tkb", x, x)[..., None]
                        * np.sum(y**2, axis=0)[None, None, None, :])
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.where(scale > 0, cov / scale, 0.0)
        out[:, :, j] = np.abs(corr).max(axis=-1).mean(axis=-1)
    return out
