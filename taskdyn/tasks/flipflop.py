"""The N-bit flip-flop task (Sussillo & Barak 2013; CtDB's NBitFlipFlop)."""

from __future__ import annotations

import numpy as np

QUIET_STEPS = 3  # the first steps carry no pulses
MASKED_START = 5  # the loss ignores the first steps


def generate_flipflop(n_trials: int, n_bits: int, n_timesteps: int, switch_prob: float,
                      noise: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw flip-flop trials.

    Per step and channel a +1 pulse comes with probability `switch_prob` and a -1 pulse with
    probability `switch_prob`; a +1 pulse sets the bit to 1, a -1 pulse sets it to 0 (bits start
    at 0). Gaussian noise of sd `noise` is added to the inputs, never to the targets.

    Returns `inputs`, `true_inputs` and `targets`, each `[trial, time, bit]` float32.
    """
    draw = rng.random((n_trials, n_timesteps, n_bits))
    pulses = np.where(draw < switch_prob, 1.0, np.where(draw > 1.0 - switch_prob, -1.0, 0.0))
    pulses[:, :QUIET_STEPS] = 0.0
    targets = flipflop_targets(pulses)
    inputs = pulses + noise * rng.standard_normal(pulses.shape)
    return {
        "inputs": inputs.astype(np.float32),
        "true_inputs": pulses.astype(np.float32),
        "targets": targets.astype(np.float32),
    }


def flipflop_targets(pulses: np.ndarray) -> np.ndarray:
    """Bit states `[trial, time, bit]` in {0, 1}: the sign of the last pulse so far, 0 before any."""
    state = np.zeros(pulses.shape[0::2])
    targets = np.empty_like(pulses, dtype=float)
    for t in range(pulses.shape[1]):
        state = np.where(pulses[:, t] > 0, 1.0, np.where(pulses[:, t] < 0, 0.0, state))
        targets[:, t] = state
    return targets


def flipflop_loss_mask(targets: np.ndarray, transition_blind: int) -> np.ndarray:
    """1 where the loss counts: not the first steps, not `transition_blind` steps after a flip."""
    mask = np.ones_like(targets, dtype=np.float32)
    mask[:, :MASKED_START] = 0.0
    flips = np.abs(np.diff(targets, axis=1)) > 0
    trial, time, bit = np.nonzero(flips)
    for lag in range(1, transition_blind + 1):
        t = np.minimum(time + lag, targets.shape[1] - 1)
        mask[trial, t, bit] = 0.0
    return mask
