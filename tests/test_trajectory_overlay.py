"""Affine-aligned trajectories: an affine image of the reference lands on it (R² = 1), an
unrelated network does not, and the reference is always drawn on three PCs."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from figures import drawn_figure, legend_labels, panels, suptitle
from taskdyn.analysis.pca import fit_pca, project
from taskdyn.analysis.trajectory_overlay import aligned_trajectories
from taskdyn.io import write_h5

TOL = 1e-6


def _states(rng, trials=30, time=20, units=6):
    return rng.standard_normal((trials, time, units)).cumsum(axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_affine_image_maps_onto_the_reference(seed):
    rng = np.random.default_rng(seed)
    x = _states(rng)
    y = x @ rng.standard_normal((6, 9)) - 2.0  # the reference's states in more units
    aligned = aligned_trajectories(x, y, x[:3], y[:3], "all")
    assert aligned.reference.shape == aligned.mapped.shape == (3, 20, 3)
    assert aligned.r2 == pytest.approx(1.0, abs=TOL)
    assert np.allclose(aligned.mapped, aligned.reference, atol=TOL)
    # drawn on the reference's own top 3 PCs (fitted on the fit trials)
    pcs = project(fit_pca(x, 3), x[:3])
    assert np.allclose(np.abs(aligned.reference), np.abs(pcs), atol=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rotated_copy_maps_onto_the_reference_between_top_pcs(seed):
    rng = np.random.default_rng(seed)
    x = _states(rng)
    y = 3.0 * x @ ortho_group.rvs(6, random_state=seed) + 1.0  # same PCs, rotated
    aligned = aligned_trajectories(x, y, x[:3], y[:3], n_components=4)
    assert aligned.r2 == pytest.approx(1.0, abs=TOL)
    assert np.allclose(aligned.mapped, aligned.reference, atol=TOL)


def test_an_unrelated_network_does_not_overlay():
    rng = np.random.default_rng(3)
    x, y = _states(rng, trials=60), _states(rng, trials=60)
    aligned = aligned_trajectories(x, y, x[:3], y[:3])
    assert aligned.r2 < 0.5
    assert not np.allclose(aligned.mapped, aligned.reference, atol=0.1)


def test_the_reference_keeps_three_pcs_and_pads_missing_ones():
    rng = np.random.default_rng(4)
    x = _states(rng, units=2)
    y = x @ rng.standard_normal((2, 5))
    aligned = aligned_trajectories(x, y, x[:2], y[:2], n_components=2)
    assert aligned.reference.shape == (2, 20, 3)
    assert np.all(aligned.reference[..., 2] == 0)  # a 2-unit reference has no third PC
    assert np.allclose(aligned.mapped, aligned.reference, atol=TOL)


def test_networks_must_run_the_same_trials():
    rng = np.random.default_rng(5)
    x, y = _states(rng), _states(rng, trials=20)
    with pytest.raises(ValueError, match="fit trials differ"):
        aligned_trajectories(x, y, x[:2], y[:2])


def _evaluation(path, hidden, split, model):
    write_h5(path, {"hidden": hidden, "labels": {"split": split}},
             dims={"hidden": "trial,time,unit", "labels/split": "trial"},
             attrs={"study": "ctdb", "task": "3bff", "model": model, "seed": 0})
    return str(path)


def test_figure_job_maps_each_network_into_the_reference(tmp_path):
    """The reference (first evaluation) against each other one: one panel each, solid and
    dashed lines per held-out trial, the map's R² in the legend."""
    from taskdyn import figure_jobs

    rng = np.random.default_rng(6)
    x = _states(rng, trials=40)
    split = np.repeat(np.int8([0, 1]), 20)
    paths = [_evaluation(tmp_path / "gru.h5", x, split, "gru"),
             _evaluation(tmp_path / "lstm.h5", x @ rng.standard_normal((6, 8)), split, "lstm"),
             _evaluation(tmp_path / "node.h5", _states(rng, trials=40, units=3), split, "node")]
    fig = drawn_figure(figure_jobs.figure_trajectory_overlay, evaluations=paths,
                       analysis={"n_components": "all"}, n_trials=2,
                       pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    lstm, node = panels(fig)
    assert suptitle(fig).startswith("ctdb · 3bff: 2 held-out trials, affine-mapped into gru seed 0")
    assert [ax.get_title() for ax in (lstm, node)] == ["lstm seed 0 mapped into gru seed 0",
                                                       "node seed 0 mapped into gru seed 0"]
    assert legend_labels(lstm) == ["gru seed 0 (reference)", "lstm seed 0 mapped, R² = 1.00"]
    r2 = float(legend_labels(node)[1].split("= ")[1])
    assert r2 < 0.9
    drawn = [line for line in lstm.lines if len(line.get_xdata())]
    assert len(drawn) == 2 * 2  # per trial: the reference solid, the mapped one dashed
    assert [line.get_linestyle() for line in drawn] == ["-", "--", "-", "--"]
    assert np.allclose(drawn[0].get_data_3d(), drawn[1].get_data_3d(), atol=1e-6)
