"""The generic figures show what they promise: panels, titles, axis labels, legends and one
plotted line, point set or image per item drawn (trials, learning curves, scree, state R²,
trajectory overlays, fixed points and their q* histogram, spectra, model similarity,
persistence diagrams and their distances)."""

import numpy as np
import pandas as pd
import pytest

from figures import colorbars, drawn_figure, legend_labels, panels, suptitle, texts
from taskdyn.io import write_table
from taskdyn.plotting import plt
from taskdyn.plotting.dynamics import plot_fixed_points, plot_spectra
from taskdyn.plotting.latents import plot_scree, plot_state_r2, plot_trajectory_overlay
from taskdyn.plotting.similarity import plot_similarity
from taskdyn.plotting.topology import plot_distance_heatmaps, plot_persistence_diagrams
from taskdyn.plotting.training import plot_learning_curves
from taskdyn.plotting.trials import plot_trials

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_trials_one_column_per_trial_with_inputs_outputs_and_pcs():
    n_trials, steps, n_in, n_out = 2, 30, 3, 2
    fig = plot_trials(RNG.standard_normal((n_trials, steps, n_in)),
                      RNG.standard_normal((n_trials, steps, n_out)),
                      RNG.standard_normal((n_trials, steps, n_out)),
                      RNG.standard_normal((n_trials, steps, 3)), "ctdb · 3bff · gru seed 0")
    axes = panels(fig)
    assert len(axes) == 3 * n_trials and suptitle(fig) == "ctdb · 3bff · gru seed 0"
    grid = np.array(axes).reshape(3, n_trials)
    assert [ax.get_title() for ax in grid[0]] == ["trial 0", "trial 1"]
    assert [ax.get_ylabel() for ax in grid[:, 0]] == ["inputs", "target (--) / output",
                                                      "latent PCs"]
    assert all(ax.get_xlabel() == "time step" for ax in grid[2])
    for inputs, outputs, pcs in grid.T:
        assert len(inputs.lines) == n_in
        assert len(outputs.lines) == 2 * n_out  # a dashed target and an output per channel
        assert [line.get_linestyle() for line in outputs.lines[::2]] == ["--"] * n_out
        assert len(pcs.lines) == 3 and len(pcs.lines[0].get_xdata()) == steps
    assert legend_labels(grid[2, -1]) == ["PC1", "PC2", "PC3"]


def _history(epochs: int, accuracy: bool = True) -> pd.DataFrame:
    table = {"epoch": np.arange(1, epochs + 1), "train_loss": np.linspace(1, 0.1, epochs),
             "val_loss": np.linspace(1.2, 0.2, epochs)}
    if accuracy:
        table["val_bit_accuracy"] = np.linspace(0.5, 1, epochs)
    return pd.DataFrame(table)


def test_learning_curves_loss_and_accuracy_per_model_and_seed():
    histories = {f"{model}/seed{seed}": _history(5) for model in ("gru", "node")
                 for seed in (0, 1)}
    fig = plot_learning_curves(histories, "learning curves")
    loss, accuracy = panels(fig)
    assert suptitle(fig) == "learning curves"
    assert (loss.get_xlabel(), loss.get_ylabel()) == ("epoch",
                                                      "loss (faint: train, solid: validation)")
    assert loss.get_yscale() == "log"
    assert legend_labels(loss) == ["gru", "node"]
    drawn = [line for line in loss.lines if len(line.get_xdata())]
    assert len(drawn) == 2 * len(histories)  # train and validation loss of every model × seed
    assert (accuracy.get_xlabel(), accuracy.get_ylabel()) == ("epoch", "val bit accuracy")
    assert len(accuracy.lines) == len(histories)
    np.testing.assert_allclose(accuracy.lines[0].get_ydata(), np.linspace(0.5, 1, 5))


def test_learning_curves_without_accuracy_have_one_panel():
    fig = plot_learning_curves({"gru/seed0": _history(4, accuracy=False)}, "t")
    [loss] = panels(fig)
    assert legend_labels(loss) == ["gru"] and len(loss.lines) == 2 + 1  # + the legend's line


def test_scree_explained_and_cumulative_variance_coloured_by_model():
    ratios = {name: np.sort(RNG.dirichlet(np.ones(6)))[::-1]
              for name in ("gru/seed0", "gru/seed1", "node/seed0")}
    fig = plot_scree(ratios, "ctdb · 3bff · PCA of latents")
    explained, cumulative = panels(fig)
    assert suptitle(fig) == "ctdb · 3bff · PCA of latents"
    assert (explained.get_xlabel(), explained.get_ylabel()) == ("principal component",
                                                                "explained variance ratio")
    assert explained.get_yscale() == "log" and cumulative.get_ylabel() == "cumulative"
    assert legend_labels(explained) == ["gru", "node"]
    curves = [line for line in cumulative.lines if len(line.get_xdata()) == 6]
    assert len(curves) == len(ratios)
    np.testing.assert_allclose(curves[-1].get_ydata()[-1], 1.0)  # cumulative ends at 1
    colours = {line.get_color() for line in explained.lines[:2]}  # gru's two seeds
    assert len(colours) == 1


def test_state_r2_heatmap_of_every_ordered_pair():
    names = ["gru/seed0", "gru/seed1", "node/seed0"]
    rows = [{"source": a, "target": b, "pc": "all", "r2": 0.5}
            for a in names for b in names if a != b]
    rows.append({"source": names[0], "target": names[1], "pc": "1", "r2": 0.9})  # per-PC row
    fig = plot_state_r2(pd.DataFrame(rows), "affine state R² (held-out trials)")
    [ax] = panels(fig)
    assert len(colorbars(fig)) == 1
    assert ax.get_title() == "affine state R² (held-out trials)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("target (predicted) model",
                                                  "source (predicting) model")
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    matrix = ax.images[0].get_array()
    assert matrix.shape == (3, 3) and np.allclose(np.diag(matrix), 1)
    assert sorted(texts(ax)) == sorted(["1.00"] * 3 + ["0.50"] * 6)


def _fixed_points_figure(trajectories, points, stable, title):
    qstar = np.full(len(points), 1e-30)
    return plot_fixed_points(trajectories, points, stable, title, qstar=qstar,
                             candidate_qstar=np.append(qstar, 1e-4), q_thresh=1e-10)


def test_fixed_points_stable_and_unstable_over_trajectories():
    trajectories = RNG.standard_normal((4, 20, 3))
    points = RNG.standard_normal((5, 3))
    stable = np.array([True, True, True, False, False])
    fig = _fixed_points_figure(trajectories, points, stable, "fixed points · ctdb")
    ax, hist = panels(fig)
    assert ax.name == "3d" and suptitle(fig) == "fixed points · ctdb"
    assert hist.get_ylabel() == "candidates" and hist.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("PC1", "PC2", "PC3")
    assert len(ax.lines) == len(trajectories)
    assert legend_labels(ax) == ["stable (3)", "unstable (2)"]
    assert [len(c.get_offsets()) for c in ax.collections] == [3, 2]


def test_fixed_points_without_unstable_points_list_only_stable_ones():
    fig = _fixed_points_figure(RNG.standard_normal((2, 5, 3)), RNG.standard_normal((2, 3)),
                               np.array([True, True]), "t")
    assert legend_labels(panels(fig)[0]) == ["stable (2)"]


def test_spectra_of_weights_and_jacobians_with_the_unit_circle():
    weights = np.linalg.eigvals(RNG.standard_normal((8, 8)) / 3)
    jacobians = np.array([np.linalg.eigvals(RNG.standard_normal((8, 8)) / 3) for _ in range(3)])
    fig = plot_spectra(weights, "W_hh", jacobians, np.array([True, False, True]), "spectra · t")
    ax_w, ax_j = panels(fig)
    assert suptitle(fig) == "spectra · t"
    assert ax_w.get_title() == "recurrent weights W_hh"
    assert ax_j.get_title() == "Jacobians at 3 fixed points"
    for ax in (ax_w, ax_j):
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("Re λ", "Im λ")
        circle = ax.lines[0]
        np.testing.assert_allclose(np.hypot(circle.get_xdata(), circle.get_ydata()), 1)
    assert len(ax_w.collections) == 1 and len(ax_w.collections[0].get_offsets()) == 8
    drawn = [c for c in ax_j.collections if len(c.get_offsets())]
    assert [len(c.get_offsets()) for c in drawn] == [8, 8, 8]  # one set per fixed point
    assert legend_labels(ax_j) == ["stable point", "unstable point"]


def test_spectra_panels_follow_what_there_is():
    weights = np.linalg.eigvals(RNG.standard_normal((4, 4)))
    [only] = panels(plot_spectra(weights, "W_hh", None, None, "t"))
    assert only.get_title() == "recurrent weights W_hh"
    [empty] = panels(plot_spectra(None, None, None, None, "t"))
    assert texts(empty) == ["no recurrent matrix and no fixed points"]


def _similarity_tables(measures: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = [("gru/seed0", "gru"), ("gru/seed1", "gru"), ("node/seed0", "node")]
    pairs = pd.DataFrame([{"measure": m, "run_a": a, "family_a": fa, "run_b": b,
                           "value": 0.0 if a == b else 0.5}
                          for m in measures for a, fa in runs for b, _ in runs])
    embedding = pd.DataFrame([{"measure": m, "run": r, "family": f, "mds_1": i, "mds_2": -i}
                              for m in measures for i, (r, f) in enumerate(runs)])
    return pairs, embedding


def test_similarity_one_matrix_and_one_map_per_measure():
    labels = {"dsa": "DSA distance", "procrustes": "Procrustes angle", "cka": "linear CKA"}
    pairs, embedding = _similarity_tables(["procrustes", "cka"])  # no DSA in this run
    fig = plot_similarity(pairs, embedding, labels, "reach: model similarity")
    axes = panels(fig)
    assert suptitle(fig) == "reach: model similarity" and len(axes) == 2 * 2
    assert len(colorbars(fig)) == 2  # one per matrix
    matrices, maps = axes[:2], axes[2:]
    assert [ax.get_title() for ax in matrices] == ["Procrustes angle", "linear CKA"]
    assert [ax.get_title() for ax in maps] == ["MDS of Procrustes angle", "MDS of linear CKA"]
    for ax in matrices:
        assert ax.images[0].get_array().shape == (3, 3)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["gru/seed0", "gru/seed1",
                                                               "node/seed0"]
    for ax in maps:
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("MDS 1", "MDS 2")
        assert len(ax.collections) == 3 and sorted(texts(ax)) == ["gru/seed0", "gru/seed1",
                                                                   "node/seed0"]
    assert legend_labels(maps[-1]) == ["gru", "node"]


def _diagrams() -> pd.DataFrame:
    rows = []
    for task in ("copy", "swap"):
        for model, seed in (("rnn", 0), ("rnn", 1)):
            for cloud in ("eigenvalues", "hidden"):
                rows += [{"task": task, "model": model, "seed": seed, "cloud": cloud, "dim": 0,
                          "birth": 0.0, "death": d} for d in (0.1, 0.2, np.inf)]
                rows.append({"task": task, "model": model, "seed": seed, "cloud": cloud,
                             "dim": 1, "birth": 0.3, "death": 0.6})
    return pd.DataFrame(rows)


def test_persistence_diagrams_one_panel_per_cloud_and_task():
    fig = plot_persistence_diagrams(_diagrams(), "diagrams")
    axes = panels(fig)
    assert suptitle(fig) == "diagrams" and len(axes) == 2 * 2
    assert [ax.get_title() for ax in axes] == [
        f"{cloud} · {task}\nrnn seed 0" for cloud in ("eigenvalues", "hidden")
        for task in ("copy", "swap")]
    for ax in axes:
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("birth", "death")
        assert legend_labels(ax) == ["H0", "H1"]
        h0, h1 = ax.collections
        assert (len(h0.get_offsets()), len(h1.get_offsets())) == (3, 1)  # the first seed only
        top = ax.lines[0].get_ydata()[-1]  # the diagonal ends where essential bars are drawn
        assert np.asarray(h0.get_offsets())[:, 1].max() == pytest.approx(top)


def test_distance_heatmaps_per_cloud_and_metric_grouped_by_task():
    keys = [(task, "rnn", seed) for task in ("copy", "swap") for seed in (0, 1)]
    rows = [{"cloud": cloud, "metric": metric, "dim": "all", "task_a": a[0], "model_a": a[1],
             "seed_a": a[2], "task_b": b[0], "model_b": b[1], "seed_b": b[2], "value": 1.0}
            for cloud in ("eigenvalues", "hidden") for metric in ("wasserstein", "bottleneck")
            for i, a in enumerate(keys) for b in keys[i + 1:]]
    fig = plot_distance_heatmaps(pd.DataFrame(rows), "distances")
    axes = panels(fig)
    assert suptitle(fig) == "distances" and len(axes) == 4 and len(colorbars(fig)) == 4
    assert [ax.get_title() for ax in axes] == [
        f"{metric} · {cloud} (H0 + H1)" for cloud in ("eigenvalues", "hidden")
        for metric in ("wasserstein", "bottleneck")]
    for ax in axes:
        assert ax.images[0].get_array().shape == (4, 4)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["copy", "swap"]


def test_drawn_figure_is_the_one_the_job_saves(tmp_path):
    """The helper the pipeline tests use: a figure job's saved figure, still inspectable."""
    from taskdyn import figure_jobs

    write_table(tmp_path / "state_r2.csv", pd.DataFrame(
        [{"source": "a/seed0", "target": "b/seed0", "pc": "all", "r2": 0.7},
         {"source": "b/seed0", "target": "a/seed0", "pc": "all", "r2": 0.6}]), {"test": "yes"})
    fig = drawn_figure(figure_jobs.figure_state_r2, table=str(tmp_path / "state_r2.csv"),
                       pdf=str(tmp_path / "f.pdf"), png=str(tmp_path / "f.png"))
    [ax] = panels(fig)
    assert sorted(texts(ax)) == ["0.60", "0.70", "1.00", "1.00"]
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_trajectory_overlay_one_panel_per_comparison():
    own = RNG.standard_normal((3, 10, 3))
    comparisons = [{"name": f"{m} seed 0", "reference": own, "mapped": own + 0.1, "r2": r2}
                   for m, r2 in (("lstm", 0.91), ("node", 0.456))]
    fig = plot_trajectory_overlay("gru seed 0", comparisons, "ctdb · 3bff: overlay")
    axes = panels(fig)
    assert len(axes) == 2 and suptitle(fig) == "ctdb · 3bff: overlay"
    assert all(ax.name == "3d" for ax in axes)
    assert legend_labels(axes[1]) == ["gru seed 0 (reference)", "node seed 0 mapped, R² = 0.46"]
    assert (axes[0].get_xlabel(), axes[0].get_zlabel()) == ("reference PC1", "reference PC3")
    for ax in axes:
        drawn = [line for line in ax.lines if len(line.get_xdata())]
        assert [line.get_linestyle() for line in drawn] == ["-", "--"] * 3
        assert len(ax.collections) == 3  # each trial's start


def test_qstar_histogram_counts_candidates_kept_points_and_the_cut():
    candidate_qstar = np.array([0.0, 1e-32, 1e-31, 1e-31, 1e-20, 1e-6, 1e-3])
    qstar = np.array([0.0, 1e-32, 1e-20])
    stable = np.array([True, True, False])
    fig = plot_fixed_points(RNG.standard_normal((2, 5, 3)), RNG.standard_normal((3, 3)), stable,
                            "fixed points · ctdb", qstar=qstar,
                            candidate_qstar=candidate_qstar, q_thresh=1e-10)
    _, hist = panels(fig)
    assert legend_labels(hist) == ["all candidates (7)", "kept stable (2)", "kept unstable (1)",
                                   "q* cut (1e-10)"]
    cut = [line for line in hist.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in cut] == [-10]
    grey, stable_bars, unstable_bars = hist.containers
    assert sum(p.get_height() for p in grey) == 7
    assert sum(p.get_height() for p in stable_bars) == 2
    assert sum(p.get_height() for p in unstable_bars) == 1
    # q* = 0 is drawn one decade below the smallest positive q*, and said so
    assert min(p.get_x() for p in stable_bars if p.get_height()) < -32
    assert "1 with q* = 0 at -33" in hist.get_xlabel()
    assert hist.get_xlim()[1] > -3  # the rejected candidates are on the axis
