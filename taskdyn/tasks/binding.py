"""Linear variable-binding tasks (Karuvally et al. 2023): the closed-form operator and its trials.

A task is `task_id = (t1, t2, t3)` over `input_dim` = d bits and a window of `seq_length` = s
steps. The operator F (s·d × d) maps the flattened window of the last s target vectors
(time-major, oldest first: flat index k·d + j) to the next target vector:

- t1 is a bitmask over the s·d window positions with exactly d bits set; in increasing order
  they are the sources of output components 0 … d−1 (repeat copy is (2^d − 1, 0, 0):
  y[t] = y[t − s]);
- t2, read in base d (least significant digit first): a nonzero digit m at position i swaps the
  sources of components i and i + m (applied for i = 0, 1, …);
- t3, read in binary: bit i set negates component i.

Trials: s random ±1 vectors, then zero input; from step s on, the targets follow the order-s
linear recurrence y[t] = Fᵀ window(t), seeded by the inputs. The same F builds the transition
matrix Φ (s·d × s·d) that the trained RNN is compared with, so theory and data share one source.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np


def task_sources(task_id: Sequence[int], input_dim: int,
                 seq_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Source window position `(d,)` and sign `(d,)` of each output component."""
    t1, t2, t3 = (int(t) for t in task_id)
    d, width = input_dim, input_dim * seq_length
    if t1 < 0 or t1 >> width:
        raise ValueError(f"task_id t1={t1} sets bits beyond the {width} window positions "
                         f"(input_dim {d} × seq_length {seq_length})")
    sources = np.array([k for k in range(width) if t1 >> k & 1], dtype=np.int64)
    if len(sources) != d:
        raise ValueError(f"task_id t1={t1} must set exactly input_dim={d} bits, "
                         f"sets {len(sources)}")
    for i, digit in enumerate(_digits(t2, d, d)):
        if digit >= d - i:
            raise ValueError(f"task_id t2={t2}: base-{d} digit {i} is {digit}, must be < {d - i}")
        if digit:
            sources[[i, i + digit]] = sources[[i + digit, i]]
    if t3 < 0 or t3 >> d:
        raise ValueError(f"task_id t3={t3} must be a sign mask below 2**{d}")
    signs = np.where(np.array(_digits(t3, 2, d)) == 1, -1.0, 1.0)
    return sources, signs


def _digits(value: int, base: int, n: int) -> list[int]:
    """The first `n` digits of `value` in `base`, least significant first (error if more)."""
    if value < 0:
        raise ValueError(f"task_id entries must be non-negative, got {value}")
    digits = []
    for _ in range(n):
        value, digit = divmod(value, base)
        digits.append(digit)
    if value:
        raise ValueError(f"task_id entry has more than {n} base-{base} digits")
    return digits


def task_operator(task_id: Sequence[int], input_dim: int, seq_length: int) -> np.ndarray:
    """The closed-form operator F `(s·d, d)`: next target = window @ F."""
    sources, signs = task_sources(task_id, input_dim, seq_length)
    operator = np.zeros((input_dim * seq_length, input_dim))
    operator[sources, np.arange(input_dim)] = signs
    return operator


def transition_matrix(operator: np.ndarray) -> np.ndarray:
    """Φ `(s·d, s·d)` moving the flattened window one step: shift by d, append Fᵀ window."""
    width, d = operator.shape
    phi = np.eye(width, k=d)
    phi[width - d:] = operator.T
    return phi


def stacked_operators(task_id: Sequence[int], input_dim: int,
                      seq_lengths: Sequence[int]) -> np.ndarray:
    """Operators for several window lengths, zero-padded to the longest: `(length, s_max·d, d)`."""
    width = max(seq_lengths) * input_dim
    out = np.zeros((len(seq_lengths), width, input_dim))
    for i, s in enumerate(seq_lengths):
        out[i, : s * input_dim] = task_operator(task_id, input_dim, s)
    return out


def generate_trials(operators: np.ndarray, seq_lengths: np.ndarray, horizon: int, n_trials: int,
                    use_eos: bool, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw trials for the task whose window-s operator is `operators[i]`, s = `seq_lengths[i]`.

    Each trial draws its s uniformly from `seq_lengths`; all trials span s_max + horizon steps.
    Returns `inputs [trial, time, d (+1 with the end-of-sequence channel, −1 at step s)]`,
    `targets [trial, time, d]` (0 before step s), `mask [trial, time]` (1 on the `horizon`
    output steps s … s + horizon − 1) and `seq_length (trial,)`, float32 / int64.
    """
    arrays = generate_seed_trials(operators, seq_lengths, [horizon], n_trials, use_eos, [rng])
    return {key: value[0] for key, value in arrays.items()}


def generate_seed_trials(operators: np.ndarray, seq_lengths: np.ndarray, horizons: Sequence[int],
                         n_trials: int, use_eos: bool,
                         rngs: Sequence[np.random.Generator]) -> dict[str, np.ndarray]:
    """`generate_trials` for K generators at once, stacked on a leading axis: entry k is what
    `generate_trials(…, horizons[k], …, rngs[k])` draws (each generator makes the same draws as
    alone), zero-padded in time to the longest horizon. One vectorised fill instead of K, for
    seed-batched training, where every seed draws its own batch each step."""
    seq_lengths = np.asarray(seq_lengths)
    horizons = np.asarray(horizons)
    d = operators.shape[-1]
    s_max = int(seq_lengths.max())
    n_time = s_max + int(horizons.max())
    n_sets = len(rngs)
    choice = np.empty((n_sets, n_trials), dtype=np.int64)
    bits = np.empty((n_sets, n_trials, s_max, d), dtype=np.float32)  # ±1: exact in float32
    for k, rng in enumerate(rngs):
        choice[k] = rng.integers(len(seq_lengths), size=n_trials)
        bits[k] = rng.choice(np.array([-1.0, 1.0]), size=(n_trials, s_max, d))
    starts = seq_lengths[choice]
    start, steps = starts[..., None], np.arange(n_time)  # start broadcasts against steps
    sets, trials = np.arange(n_sets)[:, None], np.arange(n_trials)
    inputs = np.zeros((n_sets, n_trials, n_time, d + int(use_eos)), dtype=np.float32)
    np.copyto(inputs[..., :s_max, :d], bits, where=(steps[:s_max] < start)[..., None])
    if use_eos:
        inputs[sets, trials, starts, d] = -1.0
    targets = np.zeros((n_sets, n_trials, n_time, d), dtype=np.float32)
    for i, s in enumerate(seq_lengths):  # targets from step s on: signed copies of the window
        rows = choice == i
        sources, signs = _rollout_map(operators[i, : s * d].tobytes(), s * d, d, n_time - s)
        copies = np.take(bits[rows][:, :s].reshape(-1, s * d), sources, axis=1)
        copies *= signs
        targets[:, :, s:][rows] = copies.reshape(-1, n_time - s, d)
    for k, end in enumerate(s_max + horizons):  # a shorter draw ends earlier
        targets[k, :, end:] = 0.0
    mask = (steps >= start) & (steps < start + horizons[:, None, None])
    return {"inputs": inputs, "targets": targets, "mask": mask.astype(np.float32),
            "seq_length": starts.astype(np.int64)}


@functools.lru_cache(maxsize=64)
def _rollout_map(operator: bytes, width: int, d: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Window position and sign `(n_steps·d,)` of each target, from `[F, ΦᵀF, (Φᵀ)²F, …]`
    (the seed window times block k is the k-th target). F has one ±1 per column and Φᵀ maps
    signed unit vectors to signed unit vectors, so every column has one ±1: targets are signed
    copies of window entries, gathered exactly and without a matmul (whose BLAS threads would
    compete with torch's in a training job). Cached per operator and length."""
    block = np.frombuffer(operator).reshape(width, d)
    shift = transition_matrix(block).T
    blocks = [block]
    for _ in range(n_steps - 1):
        blocks.append(shift @ blocks[-1])
    rollout = np.concatenate(blocks, axis=1)
    if not np.all(np.count_nonzero(rollout, axis=0) == 1):
        raise ValueError("the operator must have exactly one nonzero (±1) entry per column")
    sources = np.abs(rollout).argmax(axis=0)
    return sources, rollout[sources, np.arange(rollout.shape[1])].astype(np.float32)
