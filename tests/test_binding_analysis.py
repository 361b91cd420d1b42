"""Operator spectra, eigenvalue signatures and experiment comparison on known answers."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ortho_group

from taskdyn.io import write_table
from taskdyn.studies.binding.analysis.experiment_comparison import rank_tests, summarise
from taskdyn.studies.binding.analysis.operator_spectra import (
    frobenius_error,
    projected_spectrum,
    spectral_error,
    unit_circle_count,
)
from taskdyn.studies.binding.analysis.signatures import (
    SIGNATURE_NAMES,
    eigenvalue_signature,
    embed,
)
from taskdyn.studies.binding.jobs import wide_metrics
from taskdyn.tasks.binding import task_operator, transition_matrix

ROOTS_8 = np.exp(2j * np.pi * np.arange(8) / 8)


def _rotation(r, theta):
    return r * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def test_spectral_error_is_the_rotation_angle_of_a_rotated_spectrum():
    theory = np.repeat(ROOTS_8, 2)
    learned = 0.97 * theory * np.exp(0.02j)
    err = spectral_error(learned, theory, threshold=0.9)
    assert err.error == pytest.approx(0.02) and err.partial_error == pytest.approx(0.02)
    assert (err.n_learned, err.n_theory, err.counts_match) == (16, 16, True)


def test_spectral_error_is_nan_when_the_counts_differ_and_the_partial_error_is_not():
    theory = ROOTS_8
    learned = np.concatenate([ROOTS_8[:5] * np.exp(0.01j), [0.5, 0.1j]])  # three unit ones lost
    err = spectral_error(learned, theory)
    assert (err.n_learned, err.n_theory, err.counts_match) == (5, 8, False)
    assert np.isnan(err.error)  # the anchor's metric: undefined, Table 1's "—"
    assert err.partial_error == pytest.approx(0.01)  # the 5 pairs there are, each 0.01 rad off
    extra = spectral_error(np.concatenate([ROOTS_8, [0.95j]]), theory)  # one spurious |λ| > 0.9
    assert (extra.n_learned, extra.n_theory) == (9, 8) and np.isnan(extra.error)
    assert extra.partial_error == pytest.approx(0.0, abs=1e-12)
    empty = spectral_error(np.array([0.1, 0.2]), theory)
    assert np.isnan(empty.error) and np.isnan(empty.partial_error)
    assert (empty.n_learned, empty.n_theory) == (0, 8)


def test_learned_operator_in_another_basis_has_zero_spectral_error():
    phi = transition_matrix(task_operator((15, 0, 0), 4, 4))
    q = ortho_group.rvs(24, random_state=0)
    w = q @ np.block([[phi, np.zeros((16, 8))], [np.zeros((8, 16)), 0.05 * np.eye(8)]]) @ q.T
    projected = projected_spectrum(w, 16)
    err = spectral_error(projected.eigvals, np.linalg.eigvals(phi))
    assert err.error == pytest.approx(0.0, abs=1e-7) and err.counts_match
    assert projected.variance_ratio == pytest.approx(16 / (16 + 8 * 0.05**2))
    assert unit_circle_count(projected.eigvals, 1e-6) == 16
    assert unit_circle_count(np.linalg.eigvals(w), 1e-6) == 16


def test_frobenius_error_of_a_diagonal_matrix_against_a_swap():
    phi = transition_matrix(task_operator((1, 0, 0), 1, 2))  # repeat copy, d = 1, s = 2
    np.testing.assert_array_equal(phi, [[0, 1], [1, 0]])
    projected = projected_spectrum(np.diag([-3.0, 2.0, 0.5]), 2)
    np.testing.assert_allclose(projected.matrix, np.diag([-3.0, 2.0]), atol=1e-12)  # U_k = ±e1, ±e2
    frob = frobenius_error(projected.matrix, phi)
    assert frob.error == pytest.approx(np.sqrt(9 + 4 + 1 + 1))
    assert frob.relative == pytest.approx(np.sqrt(15 / 2))
    assert frobenius_error(phi, phi).error == 0.0
    with pytest.raises(ValueError, match="differ in shape"):
        frobenius_error(np.eye(3), phi)


def test_frobenius_error_is_in_the_singular_basis_not_phis_coordinates():
    phi = np.array([[1.0, 0.5], [0.5, 1.0]])  # symmetric: singular basis = eigenbasis
    q = ortho_group.rvs(2, random_state=0)
    for w in (phi, q @ phi @ q.T):  # Φ itself, and Φ in another basis
        projected = projected_spectrum(w, 2)
        np.testing.assert_allclose(projected.matrix, np.diag([1.5, 0.5]), atol=1e-12)
        assert spectral_error(projected.eigvals, np.linalg.eigvals(phi), 0.4).error == \
            pytest.approx(0.0, abs=1e-12)
        frob = frobenius_error(projected.matrix, phi)
        assert frob.error == pytest.approx(1.0)  # four entries 0.5 off
        assert frob.relative == pytest.approx(1.0 / np.sqrt(2.5))


def test_projected_spectrum_of_a_rotation_block():
    q = ortho_group.rvs(6, random_state=1)
    w = q @ np.block([[_rotation(1.2, 0.7), np.zeros((2, 4))],
                      [np.zeros((4, 2)), 0.1 * np.eye(4)]]) @ q.T
    eig = projected_spectrum(w, 2).eigvals
    np.testing.assert_allclose(np.sort_complex(eig), 1.2 * np.exp(np.array([-0.7j, 0.7j])))
    with pytest.raises(ValueError, match="k must be"):
        projected_spectrum(w, 7)


def test_signature_of_the_4th_roots_of_unity():
    sig = dict(zip(SIGNATURE_NAMES, eigenvalue_signature(np.exp(2j * np.pi * np.arange(4) / 4))))
    assert len(SIGNATURE_NAMES) == 21
    assert sig["spectral_radius"] == pytest.approx(1.0) and sig["abs_std"] == pytest.approx(0.0)
    assert sig["n_near_unit"] == 4 and sig["n_unstable"] == 0
    assert sig["cos_mean"] == pytest.approx(0.0, abs=1e-12)
    assert sig["real_mean"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("method", ["pca", "tsne", "mds"])
def test_embeddings_separate_two_groups_of_spectra(method):
    rng = np.random.default_rng(0)
    group_a = [0.98 * ROOTS_8 * np.exp(0.01j * rng.standard_normal(8)) for _ in range(6)]
    group_b = [0.3 * rng.standard_normal(8) + 0.3j * rng.standard_normal(8) for _ in range(6)]
    features = np.stack([eigenvalue_signature(e) for e in group_a + group_b])
    xy = embed(features, method, seed=0, perplexity=3)
    assert xy.shape == (12, 2)
    centre_a, centre_b = xy[:6].mean(axis=0), xy[6:].mean(axis=0)
    spread = max(np.linalg.norm(xy[:6] - centre_a, axis=1).max(),
                 np.linalg.norm(xy[6:] - centre_b, axis=1).max())
    assert np.linalg.norm(centre_a - centre_b) > spread


def test_tsne_perplexity_must_be_below_the_number_of_models():
    with pytest.raises(ValueError, match="perplexity"):
        embed(np.random.default_rng(0).standard_normal((5, 21)), "tsne", perplexity=5)


def test_rank_tests_on_separated_and_tied_groups():
    values = pd.DataFrame({"task": ["a"] * 5 + ["b"] * 5, "radius": np.arange(10.0),
                           "count": np.full(10, 64.0)})
    tests = rank_tests(values, "task", ["radius", "count"]).set_index(["metric", "test"])
    assert tests.loc[("radius", "mannwhitneyu"), "p_value"] == pytest.approx(2 / 252)
    assert tests.loc[("radius", "kruskal"), "p_value"] < 0.05
    assert tests.loc[("count", "kruskal"), "p_value"] == 1.0
    summary = summarise(values, "task", ["radius"]).set_index("task")
    assert summary.loc["a", "mean"] == 2.0 and summary.loc["b", "n"] == 5


def test_wide_metrics_keeps_a_spectral_error_that_is_nan_for_every_model(tmp_path):
    long = pd.DataFrame({"task": "a", "model": "rnn", "seed": [0, 0, 1, 1],
                         "metric": ["accuracy", "spectral_error_projected"] * 2,
                         "value": [0.9, np.nan, 0.8, np.nan]})
    write_table(tmp_path / "models.csv", long, {"test": "yes"})
    wide = wide_metrics([str(tmp_path / "models.csv")])
    assert list(wide["seed"]) == [0, 1] and list(wide["accuracy"]) == [0.9, 0.8]
    assert wide["spectral_error_projected"].isna().all()
