"""Linear decoders: known answers on synthetic states."""

import numpy as np
import pytest

from taskdyn.analysis.decoding import (
    chance_normalised,
    cross_time_accuracy,
    cross_validated_accuracy,
    decoder_normals,
    generalisation_matrix,
    normals_accuracy,
    split_trials,
)

N_CLASSES = 4


def _separable(rng, n=400, dims=20, noise=0.1):
    labels = rng.integers(N_CLASSES, size=n)
    means = 3.0 * rng.standard_normal((N_CLASSES, dims))
    return means[labels] + noise * rng.standard_normal((n, dims)), labels


@pytest.mark.parametrize("seed", [0, 1])
def test_separable_states_decode_perfectly_and_shuffled_labels_at_chance(seed):
    rng = np.random.default_rng(seed)
    X, y = _separable(rng)
    assert cross_validated_accuracy(X, y, seed=seed) > 0.99
    shuffled = cross_validated_accuracy(X, rng.permutation(y), seed=seed)
    assert abs(shuffled - 1 / N_CLASSES) < 0.08


def test_cross_time_follows_the_remembered_stimulus_through_rotating_subspaces():
    # The state at step t holds the step-0 label in a subspace of its own (chronological
    # code): each step decodes it, but a decoder trained at one step fails at the others.
    rng = np.random.default_rng(0)
    n, steps, dims = 400, 3, 30
    labels = rng.integers(N_CLASSES, size=n)
    codes = 3.0 * rng.standard_normal((steps, N_CLASSES, dims // steps))
    hidden = np.zeros((n, steps, dims))
    for t in range(steps):
        hidden[:, t, t * 10 : (t + 1) * 10] = codes[t, labels]
    hidden += 0.1 * rng.standard_normal(hidden.shape)
    train, test = split_trials(n, 0.3, seed=0)
    acc = cross_time_accuracy(hidden, labels, train, test, np.arange(steps))
    np.testing.assert_allclose(np.diag(acc), 1.0)
    off = acc[~np.eye(steps, dtype=bool)]
    assert np.all(off < 0.5)


def test_generalisation_matrix_skips_unlabelled_trials():
    rng = np.random.default_rng(1)
    X, y = _separable(rng, n=200)
    hidden = np.stack([X, X], axis=1)
    labels = np.stack([y, np.where(np.arange(200) % 2 == 0, -1, y)], axis=1)
    train, test = split_trials(200, 0.3)
    acc = generalisation_matrix(hidden, labels, train, test)
    np.testing.assert_allclose(acc, 1.0)


def test_decoder_normals_classify_centred_states():
    rng = np.random.default_rng(2)
    X, y = _separable(rng)
    normals, classes = decoder_normals(X[:300], y[:300])
    assert normals.shape == (N_CLASSES, X.shape[1])
    assert normals_accuracy(normals, classes, X[300:], y[300:], X[:300].mean(axis=0)) > 0.99


def test_split_trials_is_a_partition():
    train, test = split_trials(50, 0.2, seed=4)
    assert len(test) == 10 and len(np.intersect1d(train, test)) == 0
    assert sorted(np.concatenate([train, test])) == list(range(50))


def test_chance_normalised():
    assert chance_normalised(0.25, 4) == 0.0
    assert chance_normalised(1.0, 4) == 1.0
    assert chance_normalised(0.625, 4) == pytest.approx(0.5)
