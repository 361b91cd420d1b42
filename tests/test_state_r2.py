"""Affine state R²: ≈ 1 for an affine map of the same states, ≈ 0 for unrelated states."""

import numpy as np
import pytest

from taskdyn.analysis.state_r2 import pairwise_state_r2, project_states, state_r2


def _states(rng, trials=40, time=25, units=6):
    return rng.standard_normal((trials, time, units)).cumsum(axis=1)


def test_affine_map_scores_one():
    rng = np.random.default_rng(0)
    x = _states(rng)
    y = x @ rng.standard_normal((6, 9)) + 3.0  # an affine image in more units
    px = project_states(x[:30], x[30:], n_components=6)
    py = project_states(y[:30], y[30:], n_components=6)
    weighted, per_pc = state_r2(px, py)
    assert weighted > 0.999
    assert np.all(per_pc > 0.999)


def test_unrelated_states_score_about_zero():
    rng = np.random.default_rng(1)
    x, y = _states(rng), _states(rng)
    px = project_states(x[:30], x[30:], n_components=3)
    py = project_states(y[:30], y[30:], n_components=3)
    weighted, _ = state_r2(px, py)
    assert abs(weighted) < 0.15


def test_pairwise_covers_every_ordered_pair():
    rng = np.random.default_rng(2)
    models = {name: project_states(s[:30], s[30:], 3)
              for name, s in (("a", _states(rng)), ("b", _states(rng)), ("c", _states(rng)))}
    assert set(pairwise_state_r2(models)) == {(a, b) for a in "abc" for b in "abc" if a != b}


def test_full_latents_penalise_the_targets_extra_dimensions():
    """With every PC, a 3-D source cannot explain a target that adds 3 independent dimensions,
    while the target explains the source; on 3 PCs each, part of the extra dimensions is cut
    away and the source scores higher."""
    rng = np.random.default_rng(3)
    small = _states(rng, units=3)
    big = np.concatenate([small @ rng.standard_normal((3, 3)), 0.5 * _states(rng, units=3)], -1)
    full = {name: project_states(s[:30], s[30:], "all") for name, s in (("small", small),
                                                                        ("big", big))}
    assert full["big"].fit.shape[-1] == 6
    forward, _ = state_r2(full["small"], full["big"])
    backward, _ = state_r2(full["big"], full["small"])
    assert backward > 0.999
    assert forward < 0.95
    top3 = {name: project_states(s[:30], s[30:], 3) for name, s in (("small", small),
                                                                     ("big", big))}
    assert state_r2(top3["small"], top3["big"])[0] > forward + 0.05


def test_n_components_rejects_other_words():
    x = _states(np.random.default_rng(4))
    with pytest.raises(ValueError, match="n_components"):
        project_states(x[:30], x[30:], "most")
