"""Persistent homology (ripser) and diagram distances (persim) on clouds with known topology."""

import numpy as np
import pytest

from taskdyn.analysis.topology import (
    complex_points,
    diagram_distance,
    pairwise_distances,
    persistence,
    persistence_diagrams,
    persistence_images,
)

LONG = 0.5  # a "long" bar for clouds of unit size


def _circle(n=120, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([np.cos(t), np.sin(t)]) + noise * rng.standard_normal((n, 2))


def _blob(n=120, seed=0, centre=(0.0, 0.0)):
    return np.asarray(centre) + 0.3 * np.random.default_rng(seed).standard_normal((n, 2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_circle_has_one_long_h1_bar_and_a_blob_none(seed):
    circle = persistence(persistence_diagrams(_circle(seed=seed))[1])
    blob = persistence(persistence_diagrams(_blob(seed=seed))[1])
    assert np.sum(circle > LONG) == 1
    assert np.sum(blob > LONG) == 0


def test_two_far_apart_blobs_have_two_long_h0_bars_one_essential():
    h0 = persistence_diagrams(np.vstack([_blob(seed=0), _blob(seed=1, centre=(10.0, 0.0))]))[0]
    assert np.sum(~np.isfinite(h0[:, 1])) == 1
    assert np.sum(persistence(h0) > 5.0) == 1


def test_greedy_subsample_keeps_the_circle():
    dense = np.column_stack([np.cos(t := np.linspace(0, 2 * np.pi, 2000)), np.sin(t)])
    assert np.sum(persistence(persistence_diagrams(dense, n_perm=100)[1]) > LONG) == 1


def test_unit_circle_eigenvalue_cloud_is_a_ring():
    roots = np.exp(2j * np.pi * np.arange(16) / 16)
    assert np.sum(persistence(persistence_diagrams(complex_points(roots))[1]) > LONG) == 1


@pytest.mark.parametrize("metric", ["wasserstein", "bottleneck"])
def test_distances_zero_between_identical_diagrams_positive_otherwise(metric):
    circle, blob = persistence_diagrams(_circle()), persistence_diagrams(_blob())
    for dim in (0, 1):
        assert diagram_distance(circle[dim], circle[dim], metric) == 0.0
        assert diagram_distance(circle[dim], blob[dim], metric) > 0.0
        assert diagram_distance(circle[dim], blob[dim], metric) == \
            diagram_distance(blob[dim], circle[dim], metric)
    matrix = pairwise_distances([circle[1], blob[1], circle[1]], metric)
    np.testing.assert_allclose(matrix, matrix.T)
    assert matrix[0, 2] == 0.0 and matrix[0, 1] > 0.0


def test_infinite_bars_are_matched_explicitly():
    a = np.array([[0.0, 1.0], [0.0, np.inf]])
    shifted = np.array([[0.0, 1.0], [0.25, np.inf]])
    two_essential = np.array([[0.0, np.inf], [0.0, np.inf]])
    assert diagram_distance(a, shifted, "wasserstein") == pytest.approx(0.25)
    assert diagram_distance(a, shifted, "bottleneck") == pytest.approx(0.25)
    assert diagram_distance(a, two_essential, "bottleneck") == np.inf
    # a single finite bar against an empty diagram: half its persistence in L∞ (bottleneck)
    assert diagram_distance(a[:1], np.zeros((0, 2)), "bottleneck") == pytest.approx(0.5)


def test_persistence_images_share_one_grid_and_are_zero_for_empty_diagrams():
    h1 = [persistence_diagrams(_circle())[1], np.zeros((0, 2)), persistence_diagrams(_blob())[1]]
    images = persistence_images(h1, pixel_size=0.1, sigma=0.1)
    assert images.shape[0] == 3 and images.ndim == 3
    assert images[0].max() > images[2].max() > 0.0
    assert np.all(images[1] == 0.0)
