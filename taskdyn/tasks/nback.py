"""N-back sequences over an indexed stimulus set (Lei, Ito & Bashivan 2024).

A task is (N, feature): at every step t ≥ N the answer is `match` when the stimulus shown now
shares `feature` with the one shown N steps back, else `non-match`; the first N steps are
`no-action`. Identity is compared as (category, identity), so two objects of different
categories never match on identity. Tasks are numbered canonically, N-major:
`task_index(n, feature) = 3 (n - 1) + FEATURES.index(feature)`, so every scenario shares one
task one-hot of size `N_TASKS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

FEATURES = ("location", "identity", "category")
MAX_N = 3
N_TASKS = MAX_N * len(FEATURES)
NO_ACTION, NON_MATCH, MATCH = 0, 1, 2
CLASS_NAMES = ("no_action", "non_match", "match")


def task_index(n: int, feature: str) -> int:
    """The canonical index of task (N, feature)."""
    if not 1 <= n <= MAX_N or feature not in FEATURES:
        raise ValueError(f"no task ({n}, {feature!r}); N in 1..{MAX_N}, feature in {FEATURES}")
    return (n - 1) * len(FEATURES) + FEATURES.index(feature)


def task_name(index: int) -> str:
    """`'<N>back_<feature>'` for a canonical task index."""
    n, f = divmod(index, len(FEATURES))
    return f"{n + 1}back_{FEATURES[f]}"


def feature_values(stimuli: Mapping[str, np.ndarray], feature: str) -> np.ndarray:
    """Each stimulus's value of `feature`; identity is made unique across categories."""
    if feature == "identity":
        return stimuli["category"] * (stimuli["identity"].max() + 1) + stimuli["identity"]
    return np.asarray(stimuli[feature])


def nback_targets(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Classes `[trial, time]` for feature values `[trial, time]` and each trial's N `[trial]`."""
    n_trials, n_steps = values.shape
    n = np.broadcast_to(np.asarray(n), (n_trials,))
    steps = np.arange(n_steps)
    back = np.take_along_axis(values, np.maximum(steps[None, :] - n[:, None], 0), axis=1)
    targets = np.where(values == back, MATCH, NON_MATCH)
    return np.where(steps[None, :] < n[:, None], NO_ACTION, targets).astype(np.int64)


def generate_nback(stimuli: Mapping[str, np.ndarray], pool: np.ndarray, tasks: Sequence[int],
                   n_trials: int, seq_len: int, match_prob: float,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw N-back trials from the stimuli `pool` (indices into `stimuli`'s arrays).

    Each trial draws a task from `tasks` (canonical indices) uniformly. Steps t < N draw any
    pool stimulus; each later step is a match with probability `match_prob`, drawing a pool
    stimulus that shares the task feature with step t - N, else one that differs in it (the
    other properties are random and may coincide). Returns `stimulus [trial, time]`,
    `task [trial]`, `n_back [trial]`, `feature [trial]` (index into FEATURES) and
    `targets [trial, time]`.
    """
    task = np.asarray(tasks)[rng.integers(len(tasks), size=n_trials)]
    n_back, feature = task // len(FEATURES) + 1, task % len(FEATURES)
    if seq_len <= n_back.max():
        raise ValueError(f"seq_len {seq_len} leaves no response step for N = {n_back.max()}")
    values = np.stack([feature_values(stimuli, f)[pool] for f in FEATURES])  # [feature, pool]
    chosen = rng.integers(len(pool), size=(n_trials, seq_len))  # positions in pool
    match = rng.random((n_trials, seq_len)) < match_prob
    for t in range(seq_len):
        respond = np.flatnonzero(t >= n_back)
        ref = values[feature[respond], chosen[respond, t - n_back[respond]]]
        for f, v, m in {(f, v, m) for f, v, m in zip(feature[respond], ref, match[respond, t])}:
            rows = respond[(feature[respond] == f) & (ref == v) & (match[respond, t] == m)]
            candidates = np.flatnonzero((values[f] == v) == m)
            if len(candidates) == 0:
                raise ValueError(f"the stimulus pool has no {'match' if m else 'non-match'} "
                                 f"for {FEATURES[f]} = {v}")
            chosen[rows, t] = rng.choice(candidates, size=len(rows))
    stimulus = np.asarray(pool)[chosen]
    shown = np.stack([feature_values(stimuli, f)[stimulus] for f in FEATURES])
    targets = nback_targets(shown[feature, np.arange(n_trials)], n_back)
    return {"stimulus": stimulus.astype(np.int64), "task": task.astype(np.int64),
            "n_back": n_back.astype(np.int64), "feature": feature.astype(np.int64),
            "targets": targets}


def response_mask(n_back: np.ndarray, seq_len: int) -> np.ndarray:
    """True at the steps `[trial, time]` where a match/non-match response is due (t ≥ N)."""
    return np.arange(seq_len)[None, :] >= np.asarray(n_back)[:, None]


def memory_labels(properties: Mapping[str, np.ndarray],
                  stimulus: np.ndarray) -> dict[str, np.ndarray]:
    """Per-step labels of every stimulus held in memory.

    For each sequence position i, `mem{i}_<prop>[trial, t]` is the property of the stimulus
    shown at step i while it is in memory (t ≥ i) and -1 before it is shown; `mem{i}_age` is
    t - i (or -1). Properties: `stimulus` plus every key of `properties` (arrays over stimuli).
    """
    n_trials, seq_len = stimulus.shape
    steps = np.arange(seq_len)
    labels = {}
    for i in range(seq_len):
        shown = steps[None, :] >= i
        labels[f"mem{i}_age"] = np.broadcast_to(np.where(shown, steps - i, -1),
                                                (n_trials, seq_len)).astype(np.int64)
        for name, per_stimulus in {"stimulus": np.arange(stimulus.max() + 1),
                                   **properties}.items():
            labels[f"mem{i}_{name}"] = np.where(shown, per_stimulus[stimulus[:, i]][:, None],
                                                -1).astype(np.int64)
    return labels
