"""N-back labels on hand-built sequences for every N and feature, and generator invariants."""

import numpy as np
import pytest

from taskdyn.tasks.nback import (
    FEATURES,
    MATCH,
    NO_ACTION,
    NON_MATCH,
    feature_values,
    generate_nback,
    memory_labels,
    nback_targets,
    task_index,
    task_name,
)

# Six stimuli: (category, identity, location). Stimuli 0 and 1 share identity number 0 but not
# category, so they must not match on identity.
STIMULI = {
    "category": np.array([0, 1, 0, 0, 1, 1]),
    "identity": np.array([0, 0, 1, 0, 1, 0]),
    "location": np.array([2, 2, 0, 1, 3, 2]),
    "angle": np.zeros(6, dtype=int),
}
SEQUENCE = np.array([[0, 1, 3, 5, 2, 0]])
_, N, M = NO_ACTION, NON_MATCH, MATCH
EXPECTED = {  # hand-derived classes of SEQUENCE per (N, feature)
    (1, "location"): [_, M, N, N, N, N],    # locations 2 2 1 2 0 2
    (2, "location"): [_, _, N, M, N, M],
    (3, "location"): [_, _, _, M, N, N],
    (1, "category"): [_, N, N, N, N, M],    # categories 0 1 0 1 0 0
    (2, "category"): [_, _, M, M, M, N],
    (3, "category"): [_, _, _, N, N, M],
    (1, "identity"): [_, N, N, N, N, N],    # (cat, id) 00 10 00 10 01 00
    (2, "identity"): [_, _, M, M, N, N],
    (3, "identity"): [_, _, _, N, N, M],    # t3: identity 0 of another category
}


@pytest.mark.parametrize(("n", "feature"), list(EXPECTED))
def test_targets_on_hand_built_sequence(n, feature):
    values = feature_values(STIMULI, feature)[SEQUENCE]
    np.testing.assert_array_equal(nback_targets(values, np.array([n]))[0], EXPECTED[n, feature])


def test_task_indices_are_canonical_and_named():
    names = [task_name(task_index(n, f)) for n in (1, 2, 3) for f in FEATURES]
    assert names == [f"{n}back_{f}" for n in (1, 2, 3) for f in FEATURES]
    assert sorted(task_index(n, f) for n in (1, 2, 3) for f in FEATURES) == list(range(9))
    with pytest.raises(ValueError):
        task_index(4, "location")


def _grid():
    grid = np.stack(np.meshgrid(*(np.arange(k) for k in (4, 5, 4, 4)), indexing="ij"), -1)
    return {k: grid[..., i].ravel() for i, k in enumerate(("category", "identity", "location",
                                                           "angle"))}


def test_generated_sequences_follow_their_labels_and_pool():
    stimuli = _grid()
    pool = np.flatnonzero(stimuli["angle"] < 3)
    tasks = [task_index(n, f) for n in (1, 2, 3) for f in FEATURES]
    data = generate_nback(stimuli, pool, tasks, 3000, 6, 0.4, np.random.default_rng(0))
    assert np.isin(data["stimulus"], pool).all()
    for task in np.unique(data["task"]):
        rows = data["task"] == task
        n, feature = task // 3 + 1, FEATURES[task % 3]
        values = feature_values(stimuli, feature)[data["stimulus"][rows]]
        np.testing.assert_array_equal(data["targets"][rows], nback_targets(values, n))
        assert (data["n_back"][rows] == n).all()
    respond = data["targets"] != NO_ACTION
    assert abs((data["targets"][respond] == MATCH).mean() - 0.4) < 0.03
    assert (respond.sum(axis=1) == 6 - data["n_back"]).all()


def test_same_seed_gives_identical_sequences():
    stimuli = _grid()
    pool = np.arange(len(stimuli["angle"]))
    a, b = (generate_nback(stimuli, pool, [0, 4], 50, 6, 0.5, np.random.default_rng(3))
            for _ in range(2))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_memory_labels_hold_each_stimulus_from_its_step_on():
    labels = memory_labels({"location": STIMULI["location"]}, SEQUENCE)
    np.testing.assert_array_equal(labels["mem2_stimulus"][0], [-1, -1, 3, 3, 3, 3])
    np.testing.assert_array_equal(labels["mem2_location"][0], [-1, -1, 1, 1, 1, 1])
    np.testing.assert_array_equal(labels["mem4_age"][0], [-1, -1, -1, -1, 0, 1])
