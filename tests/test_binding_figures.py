"""Binding figures and tables on known inputs: persim's persistence images in units, spectra
titles, eigenvalue histograms, the topology summary against accuracy."""

import numpy as np
import pandas as pd
import persim
import pytest
from figures import drawn_figure, legend_labels, panels, texts

from taskdyn.io import read_table, write_table
from taskdyn.plotting import plt
from taskdyn.studies.binding import jobs as binding_jobs
from taskdyn.studies.binding.jobs import image_sets
from taskdyn.studies.binding.plotting import plot_operator_spectra

PIXEL, SIGMA = 0.1, 0.1
# H1 bars per (task, model, seed); task "b" has no loop at all.
H1 = {("a", "rnn", 0): [[0.5, 0.7]], ("a", "rnn", 1): [[0.2, 0.8]], ("a", "rnn", 2): [[0.2, 0.8]],
      ("b", "rnn", 0): []}


def _diagrams() -> pd.DataFrame:
    rows = []
    for (task, model, seed), bars in H1.items():
        ident = {"task": task, "model": model, "seed": seed, "cloud": "eigenvalues"}
        rows += [{**ident, "dim": 0, "birth": 0.0, "death": d} for d in (0.3, np.inf)]
        rows += [{**ident, "dim": 1, "birth": b, "death": d} for b, d in bars]
    return pd.DataFrame(rows)


def _imager() -> persim.PersistenceImager:
    """persim's imager fitted as the topology table fits it: on every model's finite H1 bars,
    its grid widened by 2 sigma on every side (persistence from 0)."""
    imager = persim.PersistenceImager(pixel_size=PIXEL,
                                      kernel_params={"sigma": SIGMA**2 * np.eye(2)})
    imager.fit([np.array(b) for b in H1.values() if b])
    (b0, b1), (p0, p1) = imager.birth_range, imager.pers_range
    imager.birth_range, imager.pers_range = (b0 - 0.2, b1 + 0.2), (max(p0 - 0.2, 0), p1 + 0.2)
    return imager


def test_figure_job_writes_pdf_and_png(tmp_path):
    write_table(tmp_path / "diagrams.csv", _diagrams(), {"test": "yes"})
    binding_jobs.figure_persistence_images(diagrams_table=str(tmp_path / "diagrams.csv"),
                                      pixel_size=PIXEL, sigma=SIGMA, pdf=str(tmp_path / "f.pdf"),
                                      png=str(tmp_path / "f.png"))
    assert (tmp_path / "f.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_plotted_images_are_persim_images_on_the_shared_grid():
    fig = binding_jobs.plot_persistence_images(image_sets(_diagrams(), PIXEL, SIGMA), "t")
    imager = _imager()
    expected = {seed: imager.transform(np.array(H1[("a", "rnn", seed)])) for seed in (0, 1, 2)}
    rep, mean, empty, empty_mean = fig.axes[:4]  # the panels, row by row; colour bars follow
    assert "seed 1" in rep.get_title()  # seeds 1 and 2 share the bar the mean leans to
    np.testing.assert_allclose(rep.images[0].get_array().T, expected[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mean.images[0].get_array().T,
                               (expected[0] + expected[1] + expected[2]) / 3, atol=1e-12)
    left, right, bottom, top = rep.images[0].get_extent()
    assert (left, right) == pytest.approx(imager.birth_range)
    assert (bottom, top) == pytest.approx(imager.pers_range)
    assert not empty.images[0].get_array().any() and not empty_mean.images[0].get_array().any()
    assert "no H1 bars" in [t.get_text() for t in empty.texts]
    binding_jobs.plt.close(fig)


def test_a_cloud_with_a_single_bar_gets_an_image_around_it():
    diagrams = _diagrams()
    one_bar = diagrams[(diagrams["dim"] == 0) | (diagrams["seed"] == 0) & (diagrams["task"] == "a")]
    h1, grid = image_sets(one_bar, PIXEL, SIGMA)["eigenvalues"]
    image = grid.images[list(h1).index(("a", "rnn", 0))]
    birth, pers = np.unravel_index(np.argmax(image), image.shape)
    centre = (grid.birth_edges[birth:birth + 2].mean(), grid.pers_edges[pers:pers + 2].mean())
    assert np.abs(np.subtract(centre, (0.5, 0.2))).max() <= PIXEL / 2 + 1e-9  # peak at the bar
    assert 0.9 * 0.2 < image.sum() <= 0.2  # weight = persistence; ±2 sd of the kernel on grid


def test_spectra_titles_show_a_dash_and_the_partial_error_when_counts_differ():
    roots = np.exp(2j * np.pi * np.arange(4) / 4)
    eig = pd.concat([pd.DataFrame({"task": "a", "model": "rnn", "seed": seed, "spectrum": kind,
                                   "re": values.real, "im": values.imag})
                     for seed in (0, 1) for kind, values in
                     [("full", roots), ("projected", roots), ("theory", roots)]])
    metrics = pd.DataFrame({"task": "a", "model": "rnn", "seed": [0, 1],
                            "spectral_error_projected": [0.012, np.nan],
                            "spectral_error_partial_projected": [0.012, 0.034],
                            "n_learned_projected": [4, 3], "n_theory_projected": [4, 4]})
    fig = plot_operator_spectra(eig, metrics, 2, "t")
    matched, short = panels(fig)
    assert matched.get_title() == "rnn seed 0: error 0.012 rad\n|λ|>thr: 4 learned vs 4 theory"
    assert short.get_title() == ("rnn seed 1: error — (partial 0.034 rad)\n"
                                 "|λ|>thr: 3 learned vs 4 theory")
    plt.close(fig)


def test_eigenvalue_histograms_are_each_models_pooled_densities_on_the_anchors_bins():
    roots = np.exp(2j * np.pi * np.arange(4) / 4)
    learned = {("rnn", 0): 0.9 * roots, ("rnn", 1): 1.1 * roots * np.exp(0.1j),
               ("big", 0): np.array([0.5, -0.5, 0.2j, 2.0])}
    eig = pd.concat([pd.DataFrame({"task": "a", "model": model, "seed": seed, "spectrum": kind,
                                   "re": values.real, "im": values.imag})
                     for (model, seed), values in learned.items()
                     for kind, values in [("projected", values), ("full", 3 * values),
                                          ("theory", roots)]])
    fig = binding_jobs.plot_eigenvalue_histograms(eig, "projected", "t")
    modulus, angle = panels(fig)
    modulus_edges = np.linspace(0, 2.2, 51)  # 1.1 × the largest |λ| (2.0; "full" not shown)
    for ax, values, edges in ((modulus, np.abs, modulus_edges),
                              (angle, np.angle, np.linspace(-np.pi, np.pi, 51))):
        big, rnn = (p for p in ax.patches)  # models in name order
        rnn_values = values(np.concatenate([learned[("rnn", 0)], learned[("rnn", 1)]]))
        np.testing.assert_allclose(rnn.get_data().values,
                                   np.histogram(rnn_values, edges, density=True)[0])
        np.testing.assert_allclose(rnn.get_data().edges, edges)
        np.testing.assert_allclose(big.get_data().values,
                                   np.histogram(values(learned[("big", 0)]), edges,
                                                density=True)[0])
    assert legend_labels(fig) == ["big (1 seeds, 4 λ)", "rnn (2 seeds, 8 λ)", "theory Φ (4 λ)"]
    marks = [line.get_xdata()[0] for line in modulus.lines]
    assert marks == pytest.approx([1.0])  # one distinct theoretical modulus
    marks = sorted(line.get_xdata()[0] for line in angle.lines)
    assert marks == pytest.approx([-np.pi / 2, 0, np.pi / 2, np.pi])
    plt.close(fig)


def test_topology_summary_counts_and_sums_bars_beside_accuracy(tmp_path):
    write_table(tmp_path / "diagrams.csv", _diagrams(), {"test": "yes"})
    models = pd.DataFrame([{"task": task, "model": model, "seed": seed, "metric": metric,
                            "value": value}
                           for (task, model, seed), acc in zip(H1, (0.9, 0.8, 0.7, 0.6))
                           for metric, value in (("accuracy", acc), ("loss", 1 - acc))])
    write_table(tmp_path / "models.csv", models, {"test": "yes"})
    binding_jobs.summarise_topology(diagrams_table=str(tmp_path / "diagrams.csv"),
                                    models_tables=[str(tmp_path / "models.csv")],
                                    analysis={"maxdim": 1},
                                    summary_table=str(tmp_path / "summary.csv"))
    summary = read_table(tmp_path / "summary.csv")
    assert list(summary.columns) == ["task", "model", "seed", "cloud", "n_h1", "h1_total",
                                     "h1_max", "h0_total", "accuracy"]
    rows = summary.set_index(["task", "model", "seed"])
    assert rows.loc[("a", "rnn", 0), ["n_h1", "h1_total", "h1_max"]].tolist() == \
        pytest.approx([1, 0.2, 0.2])
    assert rows.loc[("a", "rnn", 1), "h1_max"] == pytest.approx(0.6)
    assert rows.loc[("b", "rnn", 0), ["n_h1", "h1_total", "h1_max"]].tolist() == [0, 0, 0]
    assert (summary["h0_total"] == 0.3).all()  # the finite H0 bar; the essential one left out
    assert summary["accuracy"].tolist() == [0.9, 0.8, 0.7, 0.6]
    fig = drawn_figure(binding_jobs.figure_topology_accuracy,
                       summary_table=str(tmp_path / "summary.csv"),
                       pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    largest, total = panels(fig)
    assert [largest.get_ylabel(), total.get_ylabel()] == ["largest H1 persistence",
                                                           "total H1 persistence"]
    points = np.concatenate([c.get_offsets() for c in largest.collections])
    np.testing.assert_allclose(sorted(map(tuple, points)),
                               [(0.6, 0.0), (0.7, 0.6), (0.8, 0.6), (0.9, 0.2)])
    assert legend_labels(fig) == ["a", "b", "rnn"]  # tasks by colour, models by marker


def test_a_comparison_panel_whose_metric_is_nan_for_every_model_says_so():
    values = pd.DataFrame({"group": ["a", "a", "b", "b"], "accuracy": [0.9, 0.8, 0.7, 0.6],
                           "spectral_error_projected": np.nan})
    tests = pd.DataFrame({"metric": ["accuracy"], "test": ["kruskal"], "p_value": [0.5]})
    fig = binding_jobs.plot_experiment_comparison(
        values, tests, ["accuracy", "spectral_error_projected"], "t")
    accuracy, error = panels(fig)
    assert texts(error) == ["NaN for every model"] and texts(accuracy) == []
    assert error.get_title() == "spectral error projected\nno test"
    plt.close(fig)
