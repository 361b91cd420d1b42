"""CtDB's own figures and what they are computed from: MultiTask choices against decision
evidence (psychometric curves) and RandomTarget reaches with their bump forces."""

import numpy as np
import pandas as pd
import pytest

from figures import drawn_figure, labelled_lines, legend_labels, panels, suptitle
from taskdyn.io import read_table, write_h5
from taskdyn.plotting import plt
from taskdyn.studies.ctdb import jobs as ctdb_jobs
from taskdyn.studies.ctdb.analysis import DECISION_SUBTASKS, chose_first, psychometric
from taskdyn.studies.ctdb.plotting import BUMP_M_PER_N, plot_psychometric, plot_reaches
from taskdyn.tasks import multitask as mt


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _responses(angles: np.ndarray, response_end: np.ndarray, n_steps: int = 12) -> np.ndarray:
    """Outputs `[trial, time, 3]` pointing at `angles` at step response_end − 1, elsewhere at
    the opposite direction (so reading any other step gives the other answer)."""
    outputs = np.zeros((len(angles), n_steps, 3))
    outputs[..., 1] = -np.cos(angles)[:, None]
    outputs[..., 2] = -np.sin(angles)[:, None]
    rows = np.arange(len(angles))
    outputs[rows, response_end - 1, 1:] = np.stack([np.cos(angles), np.sin(angles)], -1)
    return outputs


def test_the_choice_is_the_stimulus_nearer_the_last_response():
    theta1 = np.array([0.0, 0.0, 3.0, 3.0])
    theta2 = np.array([np.pi, np.pi, -1.0, -1.0])
    # near theta1; near theta2; across ±π, 0.18 rad from theta1; 0.3 rad from theta2
    response = np.array([0.4, 2.9, -3.1, -1.3])
    end = np.array([5, 8, 12, 3])
    choices = chose_first(_responses(response, end), theta1, theta2, end)
    np.testing.assert_array_equal(choices, [True, False, True, False])


def test_psychometric_bins_evidence_in_steps_and_averages_choices():
    evidence = np.array([-0.32, -0.33, -0.16, 0.16, 0.17, 0.64, np.nan])
    choices = np.array([False, True, False, True, True, True, True])
    rows = psychometric(evidence, choices)
    assert [r["evidence"] for r in rows] == [-0.32, -0.16, 0.16, 0.64]
    assert [r["n_trials"] for r in rows] == [2, 1, 2, 1]  # the NaN trial is left out
    assert [r["p_choose_1"] for r in rows] == [0.5, 0.0, 1.0, 1.0]


def test_a_network_that_follows_the_evidence_has_a_step_curve():
    """The targets of MultiTask's Decision subtasks, read as a network's outputs, choose
    stimulus 1 exactly when the evidence for it is positive."""
    trials = mt.generate_multitask(DECISION_SUBTASKS, 40, 320, 20, 32, 0.0,
                                   np.random.default_rng(0))
    choices = chose_first(trials["targets"], trials["theta1"], trials["theta2"],
                          trials["response_end"])
    rows = psychometric(trials["evidence"], choices)
    assert sum(r["n_trials"] for r in rows) == 5 * 40
    assert {r["p_choose_1"] for r in rows if r["evidence"] < 0} == {0.0}
    assert {r["p_choose_1"] for r in rows if r["evidence"] > 0} == {1.0}


def _psychometric_rows():
    rows = []
    for model, p in (("gru", (0.1, 0.9)), ("node", (0.5, 0.5))):
        for seed, shift in ((0, 0.0), (1, 0.1)):
            for subtask in ("IntMod1", "ContextIntMultimodal"):
                rows += [{"study": "ctdb", "task": "multitask", "model": model, "seed": seed,
                          "subtask": subtask, "evidence": e, "n_trials": 3,
                          "p_choose_1": v + shift} for e, v in zip((-0.32, 0.32), p)]
    return pd.DataFrame(rows)


def test_psychometric_figure_one_panel_per_decision_subtask_and_a_line_per_model():
    fig = plot_psychometric(_psychometric_rows(), list(DECISION_SUBTASKS), "multitask: choices")
    axes = panels(fig)
    assert suptitle(fig) == "multitask: choices"
    assert [ax.get_title() for ax in axes] == ["IntMod1\n6 trials per network",
                                               "ContextIntMultimodal\n6 trials per network"]
    assert axes[0].get_ylabel() == "P(choose stimulus 1)"
    assert axes[1].get_xlabel() == "evidence for stimulus 1"
    assert legend_labels(axes[-1]) == ["chance", "gru (2 seeds)", "node (2 seeds)"]
    chance, gru, node = labelled_lines(axes[0])
    assert list(chance.get_ydata()) == [0.5, 0.5]
    np.testing.assert_allclose(gru.get_xdata(), [-0.32, 0.32])
    np.testing.assert_allclose(gru.get_ydata(), [0.15, 0.95])  # the mean over seeds
    np.testing.assert_allclose(node.get_ydata(), [0.55, 0.55])


def _multitask_evaluation(path, model, seed, rng):
    """A MultiTask evaluation whose network always chooses stimulus 1."""
    trials = mt.generate_multitask(["IntMod1", "DelayPro"], 8, 80, 80, 32, 0.0, rng)
    outputs = _responses(trials["theta1"], trials["response_end"], 80)
    labels = {k: trials[k] for k in ("subtask", "response_end", "theta1", "theta2",
                                     "evidence")}
    labels["split"] = np.int8([0, 1] * 8)
    write_h5(path, {"outputs": outputs, "labels": labels},
             attrs={"study": "ctdb", "task": "multitask", "model": model, "seed": seed})
    return str(path)


def test_psychometric_table_and_figure_jobs(tmp_path):
    rng = np.random.default_rng(1)
    paths = [_multitask_evaluation(tmp_path / f"{m}{s}.h5", m, s, rng)
             for m in ("gru", "lstm") for s in (0, 1)]
    ctdb_jobs.make_psychometric_table(evaluations=paths, table=str(tmp_path / "p.csv"))
    table = read_table(tmp_path / "p.csv")
    assert list(table.columns) == ["study", "task", "model", "seed", "subtask", "evidence",
                                   "n_trials", "p_choose_1"]
    assert set(table["subtask"]) == {"IntMod1"}  # DelayPro has no evidence
    assert table.groupby(["model", "seed"])["n_trials"].sum().eq(4).all()  # held-out only
    assert (table["p_choose_1"] == 1.0).all()
    fig = drawn_figure(ctdb_jobs.figure_psychometric, table=str(tmp_path / "p.csv"),
                       pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    [ax] = panels(fig)
    assert suptitle(fig) == "multitask: choices against evidence (held-out trials)"
    assert legend_labels(ax) == ["chance", "gru (2 seeds)", "lstm (2 seeds)"]


def _reach_run(name):
    n, steps = 4, 50
    hand = np.cumsum(np.full((n, steps, 2), 0.002), axis=1)
    return {"name": name, "outputs": hand, "targets": np.full((n, steps, 2), 0.1),
            "catch": np.int8([0, 0, 0, 1]), "go_cue": np.int32([2, 3, 45, -1]),
            "bumped": np.int8([0, 1, 1, 1]), "bump_start": np.int32([-1, 2, 5, 3]),
            "bump_x": np.array([0.0, 10.0, 0.0, 5.0]), "bump_y": np.array([0.0, 0.0, -6.0, 0.0]),
            "start_x": np.zeros(n), "start_y": np.zeros(n), "target_x": np.ones(n) * 0.1,
            "target_y": np.ones(n) * 0.1}


def test_reaches_draw_each_bump_force_as_an_arrow_at_its_onset():
    fig = plot_reaches([_reach_run("gru (seed 0)")], "reaches")
    plain, bumped, errors = panels(fig)
    assert legend_labels(bumped) == ["start", "target", "hand at trial end", "bump onset",
                                     "bump force (10 N = 5 cm)"]
    assert plain.get_title() == "gru (seed 0): no bump (n=1)" and not plain.collections
    arrows = bumped.collections  # one quiver per bumped reach; the catch trial is left out
    assert len(arrows) == 2
    hand = _reach_run("x")["outputs"]
    for arrow, trial, onset, force in zip(arrows, (1, 2), (2, 5), ((10.0, 0.0), (0.0, -6.0))):
        np.testing.assert_allclose(arrow.get_offsets()[0], hand[trial, onset])
        np.testing.assert_allclose([arrow.U[0], arrow.V[0]], force)
        assert arrow.scale == pytest.approx(1 / BUMP_M_PER_N)  # 10 N → 0.05 m
        assert arrow.scale_units == "xy"
    # every non-catch trial's end-point error (0 cm), the late go cue (step 45 of 50) stacked on
    # the two in time
    end_cm = 100 * np.linalg.norm(hand[:3, -1] - 0.1, axis=-1)
    assert errors.get_title() == "gru (seed 0): non-catch trials (n=3)"
    in_time, late = errors.containers
    assert in_time[0].get_height() == 2 and late[0].get_height() == 1
    assert late[0].get_y() == 2
    assert legend_labels(errors)[-1] == f"median {np.median(end_cm):.1f} cm"
