"""DSA (dsa-metric 2.0.2): a linear system against a rotated copy of itself and another system."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from taskdyn.analysis.dsa import dsa_distances

SETTINGS = dict(n_components=4, n_delays=1, delay_interval=1, rank=4, iters=150, lr=0.05, seed=0)


def rotation(theta, radius):
    return radius * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def trajectories(blocks, rng, n_trials=20, n_steps=50):
    """x_{t+1} = A x_t + small noise, A block-diagonal of 2-D rotations `blocks`."""
    a = np.zeros((4, 4))
    a[:2, :2], a[2:, 2:] = rotation(*blocks[0]), rotation(*blocks[1])
    x = np.zeros((n_trials, n_steps, 4))
    x[:, 0] = rng.standard_normal((n_trials, 4))
    for t in range(1, n_steps):
        x[:, t] = x[:, t - 1] @ a.T + 0.01 * rng.standard_normal((n_trials, 4))
    return x


@pytest.fixture(scope="module")
def systems():
    rng = np.random.default_rng(0)
    x = trajectories([(0.3, 0.95), (1.0, 0.8)], rng)
    rotated = x @ ortho_group.rvs(4, random_state=1).T
    other = trajectories([(0.1, 0.7), (0.6, 0.99)], rng)
    return x, rotated, other


def test_wasserstein_rotated_copy_is_zero_and_other_system_is_not(systems):
    d = dsa_distances(list(systems), score_method="wasserstein", **SETTINGS)
    assert d[0, 1] == pytest.approx(0.0, abs=1e-6)
    assert d[0, 2] > 0.05 and d[1, 2] > 0.05
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)


def test_angular_score_on_request(systems):
    d = dsa_distances(list(systems), score_method="angular", **SETTINGS)
    assert d[0, 1] < 0.5 * d[0, 2] and d[0, 2] > 0.2


def test_bad_settings_are_rejected(systems):
    with pytest.raises(ValueError, match="score_method"):
        dsa_distances(list(systems), score_method="euclid", **SETTINGS)
    with pytest.raises(ValueError, match="rank 9 exceeds"):
        dsa_distances(list(systems), score_method="wasserstein", **{**SETTINGS, "rank": 9})
    few = [s[:1, :5] for s in systems]
    with pytest.raises(ValueError, match="samples cannot fit"):
        dsa_distances(few, score_method="wasserstein", **{**SETTINGS, "n_delays": 2, "rank": 2})
