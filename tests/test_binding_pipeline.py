"""End to end: snakemake runs the binding study on its tiny config in a scratch directory."""

from pathlib import Path

import numpy as np
import pytest
from figures import colorbars, drawn_figure, legend_labels, panels, suptitle
from pipeline import named_config, prepare_pipeline

from taskdyn.io import read_table
from taskdyn.studies.binding import jobs
from taskdyn.studies.binding.jobs import image_sets

TASKS = ["repeat_copy", "swap_sign"]
SEEDS = (0, 1)


@pytest.mark.pipeline
def test_binding_pipeline_end_to_end(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "binding")
    figures = Path("results", "test_binding", "figures", "binding")
    targets = [figures / task / f"{name}.png" for task in ("repeat_copy", "swap_sign")
               for name in ("binding_spectra", "eigenvalue_histograms", "binding_accuracy")]
    targets += [figures / task / "variable_memories.png" for task in TASKS]
    targets += [Path("results", "test_binding", "tables", "binding", task,
                     "variable_memories.csv") for task in TASKS]
    targets += [Path("results", "test_binding", "tables", "binding", "table1.md")]
    targets += [figures / f"binding_{name}.png"
                for name in ("embeddings", "persistence", "persistence_images", "distances",
                             "comparison")]
    targets.append(figures / "topology_accuracy.png")
    pipeline.snakemake(*targets, "--quiet", "all")
    tables = pipeline.results / "tables" / "binding"
    figures = pipeline.path(figures)

    models = read_table(tables / "repeat_copy" / "binding_models.csv")
    wide = models.set_index(["seed", "metric"])["value"].unstack()  # NaN-only metrics kept
    assert len(wide) == 2
    assert wide["accuracy"].between(0, 1).all()
    assert (wide["n_theory_projected"] == 4).all()  # repeat copy d = s = 2: 4 unit eigenvalues
    assert (wide["unit_circle_count_theory"] == 4).all()
    # the anchor's spectral error only where the counts above 0.9 match; the partial one there too
    matched = wide["counts_match_projected"] == 1
    assert wide.loc[~matched, "spectral_error_projected"].isna().all()
    np.testing.assert_array_equal(wide.loc[matched, "spectral_error_projected"],
                                  wide.loc[matched, "spectral_error_partial_projected"])
    has_both = (wide["n_learned_projected"] > 0) & (wide["n_theory_projected"] > 0)
    assert np.isfinite(wide.loc[has_both, "spectral_error_partial_projected"]).all()
    for task in TASKS:  # ‖W_sub − Φ‖_F over ‖Φ‖_F: √(s·d) for repeat copy's permutation Φ
        frob = read_table(tables / task / "binding_models.csv").pivot_table(
            index="seed", columns="metric", values="value")
        phi = jobs.theory_matrix(named_config("binding")["studies"]["binding"]["tasks"][task])
        assert (frob["frobenius_error"] > 0).all()
        np.testing.assert_allclose(frob["frobenius_relative"],
                                   frob["frobenius_error"] / np.linalg.norm(phi), rtol=1e-12)
    assert np.linalg.norm(jobs.theory_matrix(
        named_config("binding")["studies"]["binding"]["tasks"]["repeat_copy"])) == 2.0
    eig = read_table(tables / "repeat_copy" / "binding_eigenvalues.csv")
    assert set(eig["spectrum"]) == {"full", "projected", "theory"}
    assert (eig["spectrum"] == "full").sum() == 2 * 8  # two seeds × 8 hidden units
    accuracy = read_table(tables / "swap_sign" / "binding_accuracy.csv")
    assert accuracy["step"].max() == 20 and accuracy["accuracy"].between(0, 1).all()

    distances = read_table(tables / "binding_distances.csv")
    assert set(distances["cloud"]) == {"eigenvalues", "hidden"}
    assert np.all(distances["value"] >= 0) and np.isfinite(distances["value"]).all()
    assert len(read_table(tables / "binding_embeddings.csv")) == 3 * 4  # 3 methods × 4 models
    # the persistence-image figure's images are the images table's (schema defaults 0.05, 0.05)
    images = read_table(tables / "binding_images.csv")
    for cloud, (h1, grid) in image_sets(read_table(tables / "binding_diagrams.csv"), 0.05,
                                        0.05).items():
        part = images[images["cloud"] == cloud]
        assert len(part) == grid.images.size  # every pixel of every model
        for key, image in zip(h1, grid.images):
            rows = part[(part["task"] == key[0]) & (part["model"] == key[1])
                        & (part["seed"] == key[2])]
            np.testing.assert_allclose(image[rows["birth_pixel"], rows["pers_pixel"]],
                                       rows["value"], rtol=1e-12, atol=1e-15)
    memories = read_table(tables / "repeat_copy" / "variable_memories.csv")
    assert len(memories) == 2 and (memories["n_kept"] == 4).all()  # d = s = 2: all of Φ
    assert memories["operator_match"].between(0, 1).all()
    assert memories["residual_fraction"].between(0, 1).all()
    np.testing.assert_allclose(memories.sort_values("seed")["accuracy"], wide["accuracy"])
    cells = read_table(tables / "table1.csv")  # no anchor task here: named cells, no paper values
    assert set(cells["task"]) == set(TASKS) and (cells["seeds"] == 2).all()
    assert cells["paper_accuracy"].isna().all()
    assert "not in paper" in (tables / "table1.md").read_text()
    summary = read_table(tables / "topology_summary.csv")  # per model and point cloud
    assert list(summary.columns) == ["task", "model", "seed", "cloud", "n_h1", "h1_total",
                                     "h1_max", "h0_total", "accuracy"]
    assert len(summary) == 2 * len(TASKS) * len(SEEDS)  # eigenvalues and hidden states
    diagrams = read_table(tables / "binding_diagrams.csv")
    keys = ["task", "model", "seed", "cloud"]
    n_h1 = diagrams[diagrams["dim"] == 1].groupby(keys).size()
    np.testing.assert_array_equal(summary.set_index(keys)["n_h1"],
                                  n_h1.reindex(summary.set_index(keys).index, fill_value=0))
    assert (summary["h1_max"] <= summary["h1_total"] + 1e-12).all()
    accuracy = {task: read_table(tables / task / "binding_models.csv").query(
        "metric == 'accuracy'").set_index("seed")["value"] for task in TASKS}
    assert summary["accuracy"].tolist() == [accuracy[r.task][r.seed]
                                            for r in summary.itertuples()]
    tests = read_table(tables / "binding_rank_tests.csv")
    assert tests["p_value"].between(0, 1).all()
    for name in ("repeat_copy/binding_spectra", "swap_sign/binding_accuracy",
                 "swap_sign/eigenvalue_histograms", "binding_embeddings", "binding_persistence",
                 "binding_persistence_images", "binding_distances", "binding_comparison",
                 "topology_accuracy"):
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").is_file()
    _check_figures(tables, tmp_path / "redrawn")


def _check_figures(tables: Path, out: Path) -> None:
    """The figures, drawn again by their jobs from the run's tables."""
    files = {"pdf": str(out / "figure.pdf"), "png": str(out / "figure.png")}
    for task in TASKS:
        spectra = drawn_figure(jobs.figure_spectra,
                               eigenvalues_table=str(tables / task / "binding_eigenvalues.csv"),
                               models_table=str(tables / task / "binding_models.csv"),
                               task=task, max_panels=2, **files)
        axes = panels(spectra)
        assert [ax.get_title().split(":")[0] for ax in axes] == [f"rnn seed {s}" for s in SEEDS]
        assert legend_labels(spectra) == ["W_hh, all", "W_hh, top-k subspace", "theory Φ"]
        assert all(len(ax.collections[0].get_offsets()) == 8 for ax in axes)  # 8 hidden units
        histograms = drawn_figure(jobs.figure_eigenvalue_histograms,
                                  eigenvalues_table=str(tables / task / "binding_eigenvalues.csv"),
                                  task=task, **files)
        modulus, angle = panels(histograms)
        k = {"repeat_copy": 4, "swap_sign": 6}[task]  # s·d eigenvalues per projected spectrum
        assert legend_labels(histograms) == [f"rnn (2 seeds, {2 * k} λ)", f"theory Φ ({k} λ)"]
        assert (modulus.get_xlabel(), angle.get_xlabel()) == ("|λ|", "angle of λ (rad)")
        assert all(len(ax.patches[0].get_data().values) == 50 for ax in (modulus, angle))
        accuracy = drawn_figure(jobs.figure_accuracy,
                                accuracy_table=str(tables / task / "binding_accuracy.csv"),
                                task=task, trained_horizon=10, **files)
        [ax] = panels(accuracy)
        assert ax.get_title() == f"binding · {task}: accuracy against horizon"
        assert legend_labels(ax) == ["mean of 2 models", "longest training horizon (10)",
                                     "chance"]
        assert len(ax.lines) == len(SEEDS) + 3  # each model, the mean, two reference lines
        assert max(ax.lines[len(SEEDS)].get_xdata()) == 20  # the mean up to the test horizon

    embeddings = drawn_figure(jobs.figure_embeddings,
                              embeddings_table=str(tables / "binding_embeddings.csv"), **files)
    axes = panels(embeddings)
    assert len(axes) == 3 and legend_labels(axes[0]) == TASKS
    for ax in axes:  # every model once per method
        assert sum(len(c.get_offsets()) for c in ax.collections) == len(TASKS) * len(SEEDS)

    diagrams = str(tables / "binding_diagrams.csv")
    persistence = drawn_figure(jobs.figure_persistence, diagrams_table=diagrams, **files)
    axes = panels(persistence)  # point clouds × tasks
    assert [ax.get_title().split("\n")[0] for ax in axes] == [
        f"{cloud} · {task}" for cloud in ("eigenvalues", "hidden") for task in TASKS]
    assert all(legend_labels(ax) == ["H0", "H1"] for ax in axes)
    images = drawn_figure(jobs.figure_persistence_images, diagrams_table=diagrams,
                          pixel_size=0.05, sigma=0.05, **files)
    axes = panels(images)  # a representative and the mean per cloud × task
    assert len(axes) == 2 * 2 * len(TASKS)
    assert all(ax.get_title().endswith(f"mean of {len(SEEDS)} models") for ax in axes[1::2])
    assert all(ax.get_xlabel() == "birth" for ax in axes)

    distances = drawn_figure(jobs.figure_distances,
                             distances_table=str(tables / "binding_distances.csv"), **files)
    axes = panels(distances)  # point clouds × metrics
    assert len(axes) == len(colorbars(distances)) and len(axes) % 2 == 0
    models = len(TASKS) * len(SEEDS)
    assert all(ax.images[0].get_array().shape == (models, models) for ax in axes)
    assert all([t.get_text() for t in ax.get_xticklabels()] == TASKS for ax in axes)

    settings = {"rnn": {"hidden": 8.0, "l2": 0.0, "threshold": 0.9, "lr": 0.01}}
    comparison = drawn_figure(jobs.figure_comparison, models_tables=[
        str(tables / task / "binding_models.csv") for task in TASKS], settings=settings,
        group_by=["task"], tests_table=str(tables / "binding_rank_tests.csv"), **files)
    axes = panels(comparison)
    assert suptitle(comparison) == "binding: models grouped by task"
    assert [ax.get_title().split("\n")[0] for ax in axes] == [
        m.replace("_", " ") for m in jobs.COMPARED_METRICS]
    assert all([t.get_text() for t in ax.get_xticklabels()] == TASKS for ax in axes)
    grouped = jobs.grouped(jobs.wide_metrics([str(tables / task / "binding_models.csv")
                                              for task in TASKS]), settings, ["task", "hidden"])
    assert sorted(set(grouped["group"])) == [f"{task} · hidden 8" for task in TASKS]

    topology = drawn_figure(jobs.figure_topology_accuracy,
                            summary_table=str(tables / "topology_summary.csv"), **files)
    axes = panels(topology)
    assert [ax.get_ylabel() for ax in axes] == ["largest H1 persistence", "total H1 persistence"]
    assert all(sum(len(c.get_offsets()) for c in ax.collections) == len(TASKS) * len(SEEDS)
               for ax in axes)  # the eigenvalue cloud of every model once
    assert legend_labels(topology) == [*TASKS, "rnn"]
