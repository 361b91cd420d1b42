"""The wm orthogonalisation figure shows the t-test of perceptual against encoding
orthogonalisation (Lei et al. Fig. 3): t, dof, p and significance stars per scenario × model."""

import numpy as np
import pandas as pd
import pytest

from taskdyn.plotting import plt
from taskdyn.studies.wm import jobs as wm_jobs
from taskdyn.studies.wm.jobs import orthogonalisation_test
from taskdyn.studies.wm.plotting import orthogonalisation_bars, significance_stars

PROPERTIES = ("location", "identity", "category")
ENCODER = "resnet18 (ImageNet)"  # the CNN baseline's model name, and the RNNs' encoder


def _tables(models=("gru",), seeds=2):
    rng = np.random.default_rng(0)
    rows = []
    for scenario in ("mtmf", "stsf"):
        for prop in PROPERTIES:
            rows.append({"task": scenario, "space": "cnn", "model": ENCODER, "seed": 0,
                         "encoder": ENCODER, "property": prop,
                         "normalised": 1.0 + 0.02 * rng.standard_normal()})
            rows += [{"task": scenario, "space": "rnn", "model": model, "seed": seed,
                      "encoder": ENCODER, "property": prop,
                      "normalised": 0.6 + 0.05 * rng.standard_normal()}
                     for model in models for seed in range(seeds)]
    table = pd.DataFrame(rows)
    return table, orthogonalisation_test(table, {"unit": "property", "index": "normalised",
                                                 "equal_var": False, "alpha": 0.05,
                                                 "networks": "all"})


def _texts(ax):
    return [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("p, stars", [(0.0004, "***"), (0.001, "**"), (0.009, "**"),
                                      (0.04, "*"), (0.05, "n.s."), (0.7, "n.s."),
                                      (np.nan, "n/a")])
def test_significance_stars_convention(p, stars):
    assert significance_stars(p) == stars


def test_last_panel_annotates_t_dof_and_p_per_scenario_and_model():
    table, test = _tables(models=("gru", "lstm"))
    fig = orthogonalisation_bars(table, test)
    try:
        axes = fig.axes
        assert len(axes) == len(PROPERTIES) + 1
        assert [ax.get_title() for ax in axes[:3]] == list(PROPERTIES)
        panel = axes[-1]
        assert "Welch t-test" in panel.get_title()
        texts = _texts(panel)
        stats = next(t for t in texts if t.startswith("t, dof, p"))
        for row in test.itertuples():
            line = (f"{row.task} / {row.model}: t = {row.t:.2f}, df = {row.dof:.1f}, "
                    f"p = {row.p:.2g} {significance_stars(row.p)}")
            assert line in stats.splitlines()
        # One star label above each RNN bar (2 scenarios × 2 models), CNN means clearly higher.
        stars = [t for t in texts if t in {"***", "**", "*", "n.s.", "n/a"}]
        assert sorted(stars) == sorted(significance_stars(p) for p in test["p"])
        assert all(s.startswith("*") for s in stars)
        # Bars of the test panel are the means the test compared: 2 scenarios × (CNN + 2 RNN).
        heights = sorted(round(b.get_height(), 9) for b in panel.patches)
        expected = [*test.drop_duplicates("task")["mean_cnn"], *test["mean_rnn"]]
        assert heights == sorted(round(h, 9) for h in expected)
    finally:
        plt.close(fig)


def test_undefined_test_and_nonsignificant_results_are_labelled():
    table, test = _tables(seeds=1)
    test.loc[0, ["t", "dof", "p"]] = np.nan
    test.loc[1, "p"] = 0.3
    fig = orthogonalisation_bars(table, test)
    try:
        texts = _texts(fig.axes[-1])
        assert "n/a" in texts and "n.s." in texts
        assert f"{test.loc[0, 'task']} / gru: test undefined" in "\n".join(texts)
    finally:
        plt.close(fig)


def test_a_test_table_without_dof_is_refused_by_name():
    table, test = _tables()
    with pytest.raises(ValueError, match=r"lacks columns \['dof'\].*wm_compare_orthogonalisation"):
        orthogonalisation_bars(table, test.drop(columns="dof"))


def test_figure_job_reads_the_t_test_table_as_second_input():
    names, draw = wm_jobs.FROM_TABLES["orthogonalisation"]
    assert names == ("orthogonalisation", "orthogonalisation_test")
    assert draw is orthogonalisation_bars
    assert "orthogonalisation_test" in wm_jobs.TABLE_NAMES
    assert len(set(wm_jobs.TABLE_NAMES)) == len(wm_jobs.TABLE_NAMES)


def test_pair_samples_are_the_dots_of_the_test_panel():
    rng = np.random.default_rng(1)
    rows = []
    for space, model, seeds, level in (("cnn", ENCODER, 1, 1.0), ("rnn", "gru", 2, 0.6)):
        for seed in range(seeds):
            for prop, n_pairs in (("location", 6), ("identity", 10)):
                values = level + 0.05 * rng.standard_normal(n_pairs)
                rows.append({"task": "mtmf", "space": space, "model": model, "seed": seed,
                             "encoder": ENCODER, "property": prop, "sample": "property",
                             "pair": "", "normalised": values.mean()})
                rows += [{"task": "mtmf", "space": space, "model": model, "seed": seed,
                          "encoder": ENCODER, "property": prop, "sample": "pair",
                          "pair": f"p{k}", "normalised": v}
                         for k, v in enumerate(values)]
    table = pd.DataFrame(rows)
    test = orthogonalisation_test(table, {"unit": "pair", "index": "normalised",
                                          "equal_var": False, "alpha": 0.05,
                                          "networks": "all"})
    assert (test["n_cnn"].item(), test["n_rnn"].item()) == (16, 16)  # pairs, seeds averaged
    assert test["unit"].item().startswith("pair of decoder normals")
    fig = orthogonalisation_bars(table, test)
    try:
        panel = fig.axes[-1]
        dots = [len(line.get_xdata()) for line in panel.lines if line.get_marker() == "."]
        assert sorted(dots) == [16, 16]
        assert "mean over 16 pairs of normals" in panel.get_ylabel()
        # the property panels draw the property rows only: one dot per seed
        assert sorted(len(line.get_xdata()) for line in fig.axes[0].lines
                      if line.get_marker() == ".") == [1, 2]
    finally:
        plt.close(fig)
