"""Procrustes alignment of decoders and orthogonalisation: known answers."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from taskdyn.analysis.decoding import split_trials
from taskdyn.analysis.procrustes import fit_rotation_scale, swap_test
from taskdyn.studies.wm.analysis.orthogonalisation import (
    normalised_orthogonalisation,
    orthogonalisation_index,
    random_orthogonalisation,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_a_known_rotation_and_scale_exactly(seed):
    rng = np.random.default_rng(seed)
    source = rng.standard_normal((12, 5))
    rotation = ortho_group.rvs(5, random_state=seed)
    fit = fit_rotation_scale(source, 2.5 * source @ rotation)
    np.testing.assert_allclose(fit.rotation, rotation, atol=1e-10)
    assert fit.scale == pytest.approx(2.5, abs=1e-10)
    assert fit.disparity == pytest.approx(0.0, abs=1e-20)
    np.testing.assert_allclose(fit.apply(source), 2.5 * source @ rotation, atol=1e-10)


def test_unrelated_sets_leave_a_residual():
    rng = np.random.default_rng(3)
    fit = fit_rotation_scale(rng.standard_normal((12, 5)), rng.standard_normal((12, 5)))
    assert fit.disparity > 0.2
    with pytest.raises(ValueError):
        fit_rotation_scale(np.ones((3, 2)), np.ones((2, 3)))


def _chronological_states(rng, n=600, steps=4, dims=24, n_classes=4):
    """Each stimulus is stored by its age: the age-a code is a fixed rotation of the age-0 code."""
    labels = rng.integers(n_classes, size=(n, steps))
    code = 3.0 * rng.standard_normal((n_classes, dims))
    rotations = [np.eye(dims)]
    for _ in range(steps - 1):
        rotations.append(rotations[-1] @ ortho_group.rvs(dims, random_state=rng))
    hidden = np.zeros((n, steps, dims))
    for t in range(steps):
        for i in range(t + 1):
            hidden[:, t] += code[labels[:, i]] @ rotations[t - i] / (1 + t - i)
    return hidden + 0.05 * rng.standard_normal(hidden.shape), labels


def test_swap_test_tells_chronological_subspaces_from_stimulus_specific_ones():
    rng = np.random.default_rng(0)
    hidden, labels = _chronological_states(rng)
    train, test = split_trials(len(hidden), 0.3)
    result = swap_test(hidden, labels, train, test, C=1.0)
    valid = ~np.isnan(result.same_age) & ~np.isnan(result.same_stimulus)
    assert valid.sum() >= 2
    # Own and same-age rotations rebuild decoders as good as direct fits; the same stimulus's
    # rotation from another time, and no rotation at all, do not.
    assert np.nanmean(result.direct) > 0.8
    assert np.nanmean(result.reconstructed) > np.nanmean(result.direct) - 0.1
    assert np.mean(result.same_age[valid]) > np.mean(result.same_stimulus[valid]) + 0.3
    assert np.nanmean(result.unrotated) < 0.5


def test_orthogonalisation_index_known_values():
    assert orthogonalisation_index(np.eye(4)) == pytest.approx(1.0)
    assert orthogonalisation_index(np.array([[1.0, 2.0], [-2.0, -4.0]])) == pytest.approx(0.0)
    assert orthogonalisation_index(np.array([[1.0, 0.0], [1.0, 1.0]])) == pytest.approx(
        1 - np.sqrt(0.5))
    assert random_orthogonalisation(2) == pytest.approx(1 - 2 / np.pi)
    rng = np.random.default_rng(0)
    random = rng.standard_normal((60, 8))
    assert normalised_orthogonalisation(random) == pytest.approx(1.0, abs=0.05)
