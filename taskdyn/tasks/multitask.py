"""MultiTask: the 15 Driscoll et al. subtasks of CtDB's MultiTaskWrapper, in 20 ms bins.

Each trial is a chain of epochs `context → stim1 → mem1 → stim2 → mem2 → response`; a family's
epoch lengths are drawn uniformly in bins, `[low, high)` milliseconds (`EPOCH_MS`). Inputs (20):
fixation, stimulus modality 1 (cos, sin), modality 2 (cos, sin), a one-hot rule (channel
`RULE_OFFSET + subtask index`). Outputs (3): fixation, response (cos, sin). Trials are zero-padded
to `n_timesteps`; Gaussian input noise is added within the trial only.

One deliberate difference from CtDB: the fixation target is 1 before the response in every
subtask (CtDB never sets it for NonMatch2Sample, MatchCatPro and MatchCatAnti).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SUBTASKS = (
    "DelayPro", "DelayAnti", "MemoryPro", "MemoryAnti", "ReactPro", "ReactAnti",
    "IntMod1", "IntMod2", "ContextIntMod1", "ContextIntMod2", "ContextIntMultimodal",
    "Match2Sample", "NonMatch2Sample", "MatchCatPro", "MatchCatAnti",
)
RULE_OFFSET = 5  # inputs 0-4: fixation, modality 1 (cos, sin), modality 2 (cos, sin)
N_INPUTS = RULE_OFFSET + len(SUBTASKS)
N_OUTPUTS = 3
EPOCHS = ("context", "stim1", "mem1", "stim2", "mem2", "response")
EPOCH_MS = {
    "Delay": {"context": (300, 700), "stim1": (200, 1500), "response": (300, 700)},
    "Memory": {"context": (300, 700), "stim1": (200, 1600), "mem1": (200, 1600),
               "response": (300, 700)},
    "React": {"context": (500, 2500), "response": (300, 1700)},
    "Decision": {"context": (200, 600), "stim1": (200, 1600), "mem1": (200, 1600),
                 "stim2": (200, 1600), "mem2": (100, 300), "response": (300, 700)},
    "Match": {"context": (200, 600), "stim1": (200, 1600), "mem1": (200, 1600),
              "response": (300, 700)},
}
COHERENCES = (0.08, 0.16, 0.32)
MASKED_START = 5  # the loss ignores the first steps of every trial
GRACE_STEPS = 5  # ... and the first steps of the response
RESPONSE_WEIGHT = 5.0  # response steps weigh this much more than the rest
ANGLE_TOLERANCE = np.pi / 10  # a response within this angle of the target succeeds
NO_RESPONSE_NORM = 0.1  # a withheld response succeeds below this output norm


def family(subtask: str) -> str:
    """The epoch family of a subtask: Delay, Memory, React, Decision or Match."""
    if subtask not in SUBTASKS:
        raise ValueError(f"unknown MultiTask subtask {subtask!r}; accepted: {list(SUBTASKS)}")
    return next((f for f in ("Delay", "Memory", "React") if subtask.startswith(f)),
                "Decision" if "Int" in subtask else "Match")


def epoch_bins(fam: str, bin_size: float) -> dict[str, tuple[int, int]]:
    """Each epoch's `[low, high)` length range in bins (absent epochs have length 0)."""
    ranges = EPOCH_MS[fam]
    return {e: tuple(int(ms / bin_size) for ms in ranges[e]) if e in ranges else (0, 1)
            for e in EPOCHS}


def longest_trial(subtasks: list[str] | tuple[str, ...], bin_size: float) -> int:
    """The longest trial (bins) any of `subtasks` can draw."""
    return max(sum(high - 1 for _, high in epoch_bins(family(s), bin_size).values())
               for s in subtasks)


def generate_multitask(subtasks: list[str] | tuple[str, ...], n_per_subtask: int, n_timesteps: int,
                       bin_size: float, num_targets: int, noise: float,
                       rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw `n_per_subtask` trials of each subtask, grouped by subtask.

    Returns `inputs`/`true_inputs` `[trial, time, 20]`, `targets` `[trial, time, 3]`, the loss
    `weight` `[trial, time]`, and per trial `subtask` (index into `SUBTASKS`), `response_start`,
    `response_end` (= trial length), `response_angle` (NaN where no response is due), the
    stimulus directions `theta1`/`theta2` and, in Decision subtasks, `evidence`: the relevant
    strength of stimulus 1 minus that of stimulus 2 (positive: stimulus 1 is the answer; NaN
    elsewhere), the x axis of a psychometric curve.
    """
    if longest_trial(subtasks, bin_size) > n_timesteps:
        raise ValueError(f"n_timesteps={n_timesteps} is shorter than the longest trial "
                         f"({longest_trial(subtasks, bin_size)} bins)")
    angles = np.linspace(-np.pi, np.pi, num_targets, endpoint=False)
    n = n_per_subtask * len(subtasks)
    true_inputs = np.zeros((n, n_timesteps, N_INPUTS))
    targets = np.zeros((n, n_timesteps, N_OUTPUTS))
    subtask = np.repeat([SUBTASKS.index(s) for s in subtasks], n_per_subtask)
    start, end, angle = np.zeros(n, int), np.zeros(n, int), np.full(n, np.nan)
    theta, evidence = np.full((n, 2), np.nan), np.full(n, np.nan)
    for i, index in enumerate(subtask):
        name = SUBTASKS[index]
        bounds = draw_epochs(family(name), bin_size, rng)
        stimuli = draw_stimuli(name, angles, rng)
        x, y, angle[i] = multitask_trial(name, bounds, stimuli)
        theta[i] = _wrap(np.array([stimuli.theta1, stimuli.theta2]))
        evidence[i] = decision_evidence(name, stimuli)
        end[i], start[i] = len(x), bounds["response"][0]
        true_inputs[i, : end[i]], targets[i, : end[i]] = x, y
    inside = np.arange(n_timesteps)[None, :] < end[:, None]
    inputs = true_inputs + noise * rng.standard_normal(true_inputs.shape) * inside[..., None]
    return {
        "inputs": inputs.astype(np.float32), "true_inputs": true_inputs.astype(np.float32),
        "targets": targets.astype(np.float32),
        "weight": response_weights(n_timesteps, start, end),
        "subtask": subtask.astype(np.int16), "response_start": start.astype(np.int32),
        "response_end": end.astype(np.int32), "response_angle": angle.astype(np.float32),
        "theta1": theta[:, 0].astype(np.float32), "theta2": theta[:, 1].astype(np.float32),
        "evidence": evidence.astype(np.float32),
    }


def draw_epochs(fam: str, bin_size: float, rng: np.random.Generator) -> dict[str, tuple[int, int]]:
    """Draw epoch lengths; return each epoch's `(start, stop)` bins."""
    bounds, t = {}, 0
    for name, (low, high) in epoch_bins(fam, bin_size).items():
        length = int(rng.integers(low, high))
        bounds[name] = (t, t + length)
        t += length
    return bounds


@dataclass(frozen=True)
class Stimuli:
    """A trial's stimulus directions (radians) and, per modality, its two stimulus strengths."""

    theta1: float
    theta2: float = np.nan
    strengths: dict[int, tuple[float, float]] = field(
        default_factory=lambda: {1: (1.0, 1.0), 2: (1.0, 1.0)})


def draw_stimuli(name: str, angles: np.ndarray, rng: np.random.Generator) -> Stimuli:
    """Draw a trial's stimuli: directions from the `angles` grid (Decision and Match: see spec)."""
    theta1 = float(rng.choice(angles))
    fam = family(name)
    if fam == "Decision":
        strengths = {}
        for modality in (1, 2):
            mean, sign = rng.uniform(0.8, 1.2), rng.choice([-1.0, 1.0])
            coherence = rng.choice(COHERENCES)
            strengths[modality] = (mean + sign * coherence, mean - sign * coherence)
        return Stimuli(theta1, theta1 + np.deg2rad(rng.uniform(90, 270)), strengths)
    if name in ("Match2Sample", "NonMatch2Sample"):
        base = theta1 if name == "Match2Sample" else theta1 + np.pi
        holds = rng.random() < 0.5
        return Stimuli(theta1, _wrap(base if holds else base + np.deg2rad(rng.integers(10, 350))))
    if fam == "Match":
        return Stimuli(theta1, float(rng.choice(angles)))
    return Stimuli(theta1)


def relevant_strengths(name: str, stimuli: Stimuli) -> tuple[float, float]:
    """The strengths of stimulus 1 and 2 a Decision subtask compares (both modalities summed in
    the multimodal one)."""
    if name.endswith("Multimodal"):
        return tuple(np.add(stimuli.strengths[1], stimuli.strengths[2]))
    return stimuli.strengths[int(name[-1])]


def decision_evidence(name: str, stimuli: Stimuli) -> float:
    """Stimulus 1's relevant strength minus stimulus 2's in a Decision subtask, else NaN."""
    if family(name) != "Decision":
        return np.nan
    first, second = relevant_strengths(name, stimuli)
    return float(first - second)


def multitask_trial(name: str, bounds: dict[str, tuple[int, int]],
                    stimuli: Stimuli) -> tuple[np.ndarray, np.ndarray, float]:
    """Noise-free inputs `[time, 20]`, targets `[time, 3]` and the response angle (NaN if none).

    `bounds` gives each epoch's `(start, stop)` bins (as `draw_epochs` returns).
    """
    fam = family(name)
    length, go = bounds["response"][1], bounds["response"][0]
    x, y = np.zeros((length, N_INPUTS)), np.zeros((length, N_OUTPUTS))
    x[:, RULE_OFFSET + SUBTASKS.index(name)] = 1.0
    x[: length if fam in ("React", "Match") else go, 0] = 1.0
    y[:go, 0] = 1.0
    theta1, theta2 = stimuli.theta1, stimuli.theta2
    if fam in ("Delay", "Memory", "React"):
        on, off = {"Delay": (bounds["stim1"][0], length), "Memory": bounds["stim1"],
                   "React": (go, length)}[fam]
        _show(x, 1, on, off, theta1, 1.0)
        response = theta1 if name.endswith("Pro") else theta1 + np.pi
    elif fam == "Decision":
        shown = (1, 2) if name.startswith("Context") else (int(name[-1]),)
        for modality in shown:
            _show(x, modality, *bounds["stim1"], theta1, stimuli.strengths[modality][0])
            _show(x, modality, *bounds["stim2"], theta2, stimuli.strengths[modality][1])
        first, second = relevant_strengths(name, stimuli)
        response = theta1 if first > second else theta2
    else:
        _show(x, 1, *bounds["stim1"], theta1, 1.0)
        _show(x, 1, go, length, theta2, 1.0)
        response = theta2 if _match_holds(name, theta1, theta2) else np.nan
    if not np.isnan(response):
        y[go:, 1:] = np.cos(response), np.sin(response)
    return x, y, _wrap(response)


def _match_holds(name: str, theta1: float, theta2: float) -> bool:
    """Whether the test stimulus `theta2` calls for a response after sample `theta1`."""
    if name == "Match2Sample":
        return bool(np.isclose(_wrap(theta2 - theta1), 0.0, atol=1e-9))
    if name == "NonMatch2Sample":
        return bool(np.isclose(abs(_wrap(theta2 - theta1)), np.pi, atol=1e-9))
    same = _upper_half(theta1) == _upper_half(theta2)
    return same if name == "MatchCatPro" else not same


def _show(x: np.ndarray, modality: int, on: int, off: int, theta: float, strength: float) -> None:
    channel = 1 + 2 * (modality - 1)
    x[on:off, channel] = strength * np.cos(theta)
    x[on:off, channel + 1] = strength * np.sin(theta)


def _wrap(theta):
    """Angle(s) wrapped into [-pi, pi)."""
    return (theta + np.pi) % (2 * np.pi) - np.pi


def _upper_half(theta: float) -> bool:
    return _wrap(theta) >= 0


def response_weights(n_timesteps: int, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """CtDB's loss weights `[trial, time]`: 0 at first, 1 before the response, 5 in it, 0 after.

    The first `MASKED_START` steps of a trial and the first `GRACE_STEPS` of its response weigh 0.
    """
    t = np.arange(n_timesteps)[None, :]
    start, end = start[:, None], end[:, None]
    weight = np.where(t < start, 1.0, np.where(t < end, RESPONSE_WEIGHT, 0.0))
    weight[(t >= start) & (t < start + GRACE_STEPS)] = 0.0
    weight[:, :MASKED_START] = 0.0
    return weight.astype(np.float32)


def response_success(outputs: np.ndarray, response_angle: np.ndarray,
                     response_end: np.ndarray) -> np.ndarray:
    """Per trial: is the response at the last response bin right? (CtDB's success rule)

    A due response is right within `ANGLE_TOLERANCE` of the target angle; a withheld one is
    right when the response output's norm stays below `NO_RESPONSE_NORM`.
    """
    last = outputs[np.arange(len(outputs)), response_end - 1, 1:]
    norm = np.linalg.norm(last, axis=-1)
    error = np.abs(_wrap(np.arctan2(last[:, 1], last[:, 0]) - response_angle))
    return np.where(np.isnan(response_angle), norm < NO_RESPONSE_NORM, error < ANGLE_TOLERANCE)
