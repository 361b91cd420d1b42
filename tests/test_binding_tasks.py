"""Binding tasks: the targets are the closed-form operator applied to the inputs."""

import numpy as np
import pytest

from taskdyn.tasks.binding import (
    generate_seed_trials,
    generate_trials,
    stacked_operators,
    task_operator,
    task_sources,
    transition_matrix,
)

DIAGONAL_8 = 9241421688590303745  # bits {0, 9, 18, ..., 63}: component i from lag s - i
PAPER_TASKS = [(255, 0, 0), (DIAGONAL_8, 262676, 189), (DIAGONAL_8, 0, 0), (DIAGONAL_8, 38637, 145)]


def _trials(task_id, d, s, horizon=30, n=40, use_eos=False, seed=0):
    ops = stacked_operators(task_id, d, [s])
    return generate_trials(ops, np.array([s]), horizon, n, use_eos, np.random.default_rng(seed))


@pytest.mark.parametrize("task_id,d,s", [(t, 8, 8) for t in PAPER_TASKS] + [((9, 1, 1), 2, 2),
                                                                          ((33825, 2, 5), 4, 4)])
def test_targets_are_powers_of_the_transition_matrix_applied_to_the_inputs(task_id, d, s):
    arrays = _trials(task_id, d, s)
    phi = transition_matrix(task_operator(task_id, d, s))
    window = arrays["inputs"][:, :s].reshape(len(arrays["inputs"]), s * d).astype(float)
    for k in range(arrays["targets"].shape[1] - s):
        window = window @ phi.T
        np.testing.assert_array_equal(arrays["targets"][:, s + k], window[:, -d:])
    assert np.all(arrays["targets"][:, :s] == 0)


def test_rule_semantics_copy_swap_and_sign():
    base = _trials((33825, 0, 0), 4, 4)["targets"]  # component i from lag 4 - i
    s = 4
    for i in range(4):
        np.testing.assert_array_equal(base[:, 2 * s:, i], base[:, 2 * s - (s - i):-(s - i), i])
    swapped = _trials((33825, 1, 0), 4, 4)["targets"]  # t2 digit 0 = 1: swap sources of 0 and 1
    signed = _trials((33825, 0, 0b0100), 4, 4)["targets"]  # t3 bit 2: negate component 2
    first_output = slice(s, s + 1)
    np.testing.assert_array_equal(swapped[:, first_output, 0], base[:, first_output, 1])
    np.testing.assert_array_equal(swapped[:, first_output, 1], base[:, first_output, 0])
    np.testing.assert_array_equal(signed[:, first_output, 2], -base[:, first_output, 2])
    copy = _trials((15, 0, 0), 4, 4)
    np.testing.assert_array_equal(copy["targets"][:, 4:8], copy["inputs"][:, :4])
    np.testing.assert_array_equal(copy["targets"][:, 8:], copy["targets"][:, 4:-4])


def test_repeat_copy_operator_d8_has_64_eigenvalues_at_the_8th_roots_of_unity():
    eig = np.linalg.eigvals(transition_matrix(task_operator((255, 0, 0), 8, 8)))
    assert eig.shape == (64,)
    np.testing.assert_allclose(np.abs(eig), 1.0, atol=1e-9)
    steps = np.angle(eig) / (2 * np.pi / 8)
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    _, counts = np.unique(np.round(steps) % 8, return_counts=True)
    np.testing.assert_array_equal(counts, np.full(8, 8))


@pytest.mark.parametrize("task_id", PAPER_TASKS[1:])
def test_diagonal_composition_tasks_have_36_unit_and_28_zero_eigenvalues(task_id):
    eig = np.abs(np.linalg.eigvals(transition_matrix(task_operator(task_id, 8, 8))))
    assert np.sum(np.isclose(eig, 1.0, atol=1e-6)) == 36
    assert np.sum(eig < 1e-6) == 28


def test_variable_length_trials_with_end_of_sequence_channel():
    ops = stacked_operators((3, 0, 0), 2, [2, 3, 4])
    arrays = generate_trials(ops, np.array([2, 3, 4]), 6, 50, True, np.random.default_rng(1))
    assert arrays["inputs"].shape == (50, 4 + 6, 3)
    assert set(arrays["seq_length"]) == {2, 3, 4}
    for x, y, m, s in zip(*(arrays[k] for k in ("inputs", "targets", "mask", "seq_length"))):
        assert x[s, 2] == -1 and np.sum(x[:, 2] != 0) == 1
        assert np.all(x[s:, :2] == 0) and np.all(np.abs(x[:s, :2]) == 1)
        np.testing.assert_array_equal(np.flatnonzero(m), np.arange(s, s + 6))
        np.testing.assert_array_equal(y[s : 2 * s], x[:s, :2])  # repeat copy of this trial's s


def test_seed_trials_are_each_generators_own_trials_padded_to_the_longest_horizon():
    ops = stacked_operators((3, 0, 0), 2, [2, 3, 4])
    horizons = [5, 2, 9]
    stacked = generate_seed_trials(ops, np.array([2, 3, 4]), horizons, 30, True,
                                   [np.random.default_rng(seed) for seed in range(3)])
    assert stacked["inputs"].shape == (3, 30, 4 + 9, 3)
    for seed, horizon in enumerate(horizons):
        alone = generate_trials(ops, np.array([2, 3, 4]), horizon, 30, True,
                                np.random.default_rng(seed))
        n_time = alone["inputs"].shape[1]
        np.testing.assert_array_equal(stacked["seq_length"][seed], alone["seq_length"])
        for key in ("inputs", "targets", "mask"):
            np.testing.assert_array_equal(stacked[key][seed, :, :n_time], alone[key])
            assert not np.any(stacked[key][seed, :, n_time:])  # padding


def test_same_seed_same_trials_and_different_seed_different_trials():
    a, b, c = (_trials((15, 0, 0), 4, 4, seed=seed) for seed in (3, 3, 4))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["inputs"], c["inputs"])


@pytest.mark.parametrize("task_id,message", [((7, 0, 0), "exactly"), ((255, 0, 0), "beyond"),
                                             ((15, 64, 0), "digit 3"), ((15, 0, 16), "sign mask")])
def test_invalid_task_ids_are_rejected(task_id, message):
    with pytest.raises(ValueError, match=message):
        task_sources(task_id, 4, 1 if task_id[0] == 255 else 4)
