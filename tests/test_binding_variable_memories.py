"""The variable-memory basis on hand-built RNNs that implement a task's transition matrix exactly."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from taskdyn.studies.binding.analysis.variable_memories import (
    empirical_transition,
    essential_dimensions,
    memory_coordinates,
    operator_agreement,
    residual_fraction,
    variable_locations,
    variable_memory_basis,
)
from taskdyn.tasks.binding import task_operator, transition_matrix

T1 = (255, 0, 0)
T2 = (9241421688590303745, 262676, 189)
D = S = 8
UNITS = 96


def _exact_rnn(task_id, seed=0, scales=None):
    """W_hh = Ξ Φ Ξ⁺ on s·d directions Ξ of a `UNITS`-dimensional space (orthonormal, or with
    column `scales`), input written into and readout from the last block."""
    phi = transition_matrix(task_operator(task_id, D, S))
    xi = ortho_group.rvs(UNITS, random_state=seed)[:, : S * D]
    if scales is not None:
        xi = xi * scales
    w_hh = xi @ phi @ np.linalg.pinv(xi)
    return phi, xi, w_hh, np.linalg.pinv(xi)[-D:], xi[:, -D:]


@pytest.mark.parametrize("task_id, n_kept", [(T1, 64), (T2, 36)])
def test_the_basis_recovers_the_operator_of_an_exact_rnn(task_id, n_kept):
    phi, xi, w_hh, w_hy, _ = _exact_rnn(task_id)
    memories = variable_memory_basis(w_hh, w_hy, phi)
    assert memories.kept.sum() == n_kept
    empirical = empirical_transition(memories, w_hh)
    kept = np.ix_(memories.kept, memories.kept)
    np.testing.assert_allclose(empirical[kept], phi[kept], atol=1e-10)
    agreement = operator_agreement(empirical, phi, memories.kept, D)
    assert agreement.relative < 1e-10 and agreement.operator_relative < 1e-10
    assert agreement.operator_match == 1.0
    # the repeat-copy basis is the network's own memory directions Ξ
    if task_id == T1:
        np.testing.assert_allclose(np.abs(memories.psi), np.abs(xi), atol=1e-10)


def test_rescaled_memory_directions_keep_the_block_structure():
    """Unequal norms of Ξ's columns rescale Φ_emp's entries, but each row's ±1 stays in place."""
    scales = np.random.default_rng(1).uniform(0.5, 2.0, S * D)
    phi, _, w_hh, w_hy, _ = _exact_rnn(T1, seed=2, scales=scales)
    memories = variable_memory_basis(w_hh, w_hy, phi)
    agreement = operator_agreement(empirical_transition(memories, w_hh), phi, memories.kept, D)
    assert agreement.operator_match == 1.0
    assert agreement.relative > 0.01  # the entries themselves are rescaled


def test_a_random_network_does_not_match():
    phi = transition_matrix(task_operator(T1, D, S))
    rng = np.random.default_rng(3)
    w_hh = rng.normal(size=(UNITS, UNITS)) / np.sqrt(UNITS)
    memories = variable_memory_basis(w_hh, rng.normal(size=(D, UNITS)), phi)
    agreement = operator_agreement(empirical_transition(memories, w_hh), phi, memories.kept, D)
    # the shift rows hold by construction; the operator rows of a random network do not
    assert agreement.operator_match < 0.5 and agreement.operator_relative > 0.5


def test_essential_dimensions_of_repeat_copy_are_all_of_them():
    assert essential_dimensions(transition_matrix(task_operator(T1, D, S))).all()
    assert essential_dimensions(transition_matrix(task_operator(T2, D, S))).sum() == 36


def test_stored_variables_rotate_through_the_blocks_of_a_linear_repeat_copy_network():
    phi, _, w_hh, w_hy, w_uh = _exact_rnn(T1, seed=4)
    memories = variable_memory_basis(w_hh, w_hy, phi)
    rng = np.random.default_rng(5)
    stored = rng.choice([-1.0, 1.0], size=(400, S, D))
    h, states = np.zeros((400, UNITS)), []
    for t in range(3 * S):
        h = h @ w_hh.T + (stored[:, t] @ w_uh.T if t < S else 0.0)
        states.append(h)
    states = np.stack(states, axis=1)
    assert residual_fraction(states, memories) == pytest.approx(0.0, abs=1e-12)
    locations = variable_locations(memory_coordinates(states, memories), stored)
    assert locations.shape == (3 * S, S, S)
    # after the input phase, block k holds variable k; each step moves every variable a block down
    for t in range(S - 1, 3 * S):
        shift = t - (S - 1)
        expected = (np.arange(S) + shift) % S
        np.testing.assert_array_equal(locations[t].argmax(axis=1), expected)
        np.testing.assert_allclose(locations[t][np.arange(S), expected], 1.0, atol=1e-9)


def test_unknown_stored_values_are_left_out():
    coords = np.random.default_rng(6).normal(size=(50, 4, 4))
    stored = np.random.default_rng(7).choice([-1.0, 1.0], size=(50, 2, 2))
    stored[:10, 1] = 0  # window shorter than two variables in the first ten trials
    locations = variable_locations(coords, stored)
    assert locations.shape == (4, 2, 2) and np.isfinite(locations).all()
    ref = variable_locations(coords[10:], stored[10:])
    np.testing.assert_allclose(locations[:, :, 1], ref[:, :, 1])
