"""CtDB's own analyses: flip-flop fixed points at the bit cube's corners, MultiTask phases,
MultiTask choices against decision evidence (psychometric curves), and reaches' end-point errors.

An N-bit flip-flop network should hold 2^N stable fixed points, one at each corner of {0, 1}^N
as its readout sees them, with saddles between them (CtDB's 3BFF tutorial). A point is at a
corner when every output is within `tolerance` of 0 or 1.
"""

from __future__ import annotations

import numpy as np

from taskdyn.tasks import multitask as mt

# a fixed point's readout is at a corner when every bit is within this of 0 or 1 (a quarter of
# the distance between the two bit values)
CORNER_TOLERANCE = 0.25


def corner_codes(readout: np.ndarray, tolerance: float = CORNER_TOLERANCE) -> np.ndarray:
    """Per point `(point, bit)`: the corner's integer code (bit i → 2^i), or -1 off the cube's corners."""
    nearest = np.rint(readout)
    at_corner = (np.abs(readout - nearest) <= tolerance).all(axis=-1) & \
        np.isin(nearest, (0.0, 1.0)).all(axis=-1)
    codes = (nearest.clip(0, 1) * 2 ** np.arange(readout.shape[-1])).sum(axis=-1).astype(int)
    return np.where(at_corner, codes, -1)


def corner_summary(readout: np.ndarray, eigvals: np.ndarray, qstar: np.ndarray,
                   n_bits: int, tolerance: float = CORNER_TOLERANCE) -> dict[str, float]:
    """Counts of one model's fixed points (`readout (point, bit)`, `eigvals (point, state)` of the
    one-step map's Jacobian, `qstar (point,)`): stable points, those at corners, distinct
    corners they hit, unstable points and saddles (unstable with a stable direction), max q*."""
    if readout.shape[-1] != n_bits:
        raise ValueError(f"readout has {readout.shape[-1]} outputs, the task {n_bits} bits")
    modulus = np.abs(eigvals)
    stable = (modulus < 1).all(axis=-1)
    codes = corner_codes(readout, tolerance)
    stable_codes = codes[stable & (codes >= 0)]
    return {"n_points": len(qstar), "n_stable": int(stable.sum()),
            "n_stable_at_corners": len(stable_codes),
            "n_corners": len(np.unique(stable_codes)),
            "n_unstable": int((~stable).sum()),
            "n_saddles": int((~stable & (modulus < 1).any(axis=-1)).sum()),
            "qstar_max": float(qstar.max()) if len(qstar) else float("nan")}


# --- MultiTask phases --------------------------------------------------------------------------

STIMULUS_CHANNELS = slice(1, 5)  # modality 1 (cos, sin), modality 2 (cos, sin)
# The phases a MultiTask network must hold a memory through (no stimulus, no response yet).
MEMORY_PHASES = ("mem1", "mem2")


def multitask_phases(true_inputs: np.ndarray, response_start: np.ndarray,
                     response_end: np.ndarray) -> np.ndarray:
    """Per step `[trial, time]`: the index into `EPOCHS` of the trial's phase, -1 after the trial.

    Read from the noise-free inputs: before the go cue (`response_start`) the stimulus channels
    are off (context), on (stim1), off (mem1), on (stim2), off (mem2), in that order, every
    family's absent epochs having length 0; from the go cue to `response_end` is the response.
    (A zero-length memory epoch between two stimuli would merge them; the task's epoch lengths
    never draw one at CtDB's 20 ms bins.)
    """
    from taskdyn.tasks.multitask import EPOCHS

    n_trials, n_steps = true_inputs.shape[:2]
    stimulus = np.abs(true_inputs[..., STIMULUS_CHANNELS]).sum(-1) > 0
    phases = np.full((n_trials, n_steps), -1, dtype=np.int16)
    before_go = ("context", "stim1", "mem1", "stim2", "mem2")
    for i in range(n_trials):
        go, end = int(response_start[i]), int(response_end[i])
        on = stimulus[i, :go]
        if go == 0:
            on = np.zeros(0, dtype=bool)
        switches = (np.concatenate([[0], np.cumsum(on[1:] != on[:-1])]) + int(on[0])
                    if go else [])
        phases[i, :go] = [EPOCHS.index(before_go[min(s, 4)]) for s in switches]
        phases[i, go:end] = EPOCHS.index("response")
    return phases


def multitask_conditions(true_inputs: np.ndarray, subtask: np.ndarray,
                         response_start: np.ndarray,
                         response_end: np.ndarray) -> list[dict]:
    """One fixed-point condition per (subtask, phase) present in the trials: `subtask`, `phase`,
    `mask [trial, time]` (the steps of that phase in that subtask's trials) and `input`, the
    input held constant there.

    The held input is the mean over those steps of the noise-free input: fixation and the rule
    are constant within a phase, so they enter exactly; the stimulus channels average over the
    trials' stimulus directions (drawn uniformly from the target grid, so close to zero). CtDB's
    `compute_fps_phase` likewise finds each phase's fixed points at a constant phase input,
    with the initial states drawn from that phase's states.
    """
    from taskdyn.tasks.multitask import EPOCHS, SUBTASKS

    phases = multitask_phases(true_inputs, response_start, response_end)
    out = []
    for index in np.unique(subtask):
        trials = (subtask == index)[:, None]
        for p, phase in enumerate(EPOCHS):
            mask = trials & (phases == p)
            if mask.any():
                out.append({"subtask": SUBTASKS[int(index)], "phase": phase, "mask": mask,
                            "input": true_inputs[mask].mean(0)})
    return out


def phase_summary(conditions: list[dict], condition: np.ndarray, eigvals: np.ndarray,
                  qstar: np.ndarray) -> list[dict]:
    """Per (subtask, phase) condition of one model's fixed points: starts, points, stable and
    unstable points, the largest |λ| over its points and over its stable points (near 1: a slow
    direction, as along a ring attractor), and the largest q*."""
    modulus = np.abs(eigvals).max(axis=-1) if len(eigvals) else np.zeros(0)
    rows = []
    for i, c in enumerate(conditions):
        mine = condition == i
        stable = mine & (modulus < 1)
        rows.append({"subtask": c["subtask"], "phase": c["phase"],
                     "memory_phase": c["phase"] in MEMORY_PHASES,
                     "n_starts": c.get("n_candidates", 0), "n_points": int(mine.sum()),
                     "n_stable": int(stable.sum()), "n_unstable": int((mine & ~stable).sum()),
                     "max_abs_eig": float(modulus[mine].max()) if mine.any() else np.nan,
                     "max_abs_eig_stable": (float(modulus[stable].max()) if stable.any()
                                            else np.nan),
                     "qstar_max": float(qstar[mine].max()) if mine.any() else np.nan})
    return rows


# --- MultiTask choices -------------------------------------------------------------------------

# The subtasks whose answer is the stronger of two stimuli: those with decision evidence.
DECISION_SUBTASKS = tuple(s for s in mt.SUBTASKS if mt.family(s) == "Decision")
# Decision evidence (stimulus 1's relevant strength minus stimulus 2's) comes in steps of twice
# the smallest coherence: each evidence bin is one multiple of this step.
EVIDENCE_STEP = 2 * min(mt.COHERENCES)


def chose_first(outputs: np.ndarray, theta1: np.ndarray, theta2: np.ndarray,
                response_end: np.ndarray) -> np.ndarray:
    """Per trial: did the network choose stimulus 1? Its response direction (outputs 1-2, cos
    and sin, of `[trial, time, 3]`) at the last response bin (`response_end` − 1) is nearer
    `theta1` than `theta2` (radians)."""
    last = outputs[np.arange(len(outputs)), np.asarray(response_end) - 1, 1:]
    angle = np.arctan2(last[:, 1], last[:, 0])
    return _angular_distance(angle, theta1) < _angular_distance(angle, theta2)


def _angular_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs((np.asarray(a) - np.asarray(b) + np.pi) % (2 * np.pi) - np.pi)


def psychometric(evidence: np.ndarray, choices: np.ndarray,
                 step: float = EVIDENCE_STEP) -> list[dict]:
    """P(choose stimulus 1) per evidence bin (multiples of `step`, in increasing order) over the
    trials with finite `evidence`: `evidence` (the bin's centre), `n_trials`, `p_choose_1`."""
    finite = np.isfinite(evidence)
    bins = np.rint(np.asarray(evidence)[finite] / step).astype(int)
    chosen = np.asarray(choices, dtype=bool)[finite]
    return [{"evidence": round(float(b * step), 6), "n_trials": int((bins == b).sum()),
             "p_choose_1": float(chosen[bins == b].mean())} for b in np.unique(bins)]


def end_point_errors(hand: np.ndarray, goal: np.ndarray) -> np.ndarray:
    """Each trial's hand-to-goal distance (m) at its last step, from `[trial, time, 2]` arrays."""
    return np.linalg.norm(hand[:, -1] - goal[:, -1], axis=-1)
