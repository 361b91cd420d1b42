"""Procrustes shape distance, linear CKA, MDS and family separation, plus the ladder pipeline."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from figures import colorbars, drawn_figure, legend_labels, panels
from pipeline import prepare_pipeline
from taskdyn import figure_jobs
from taskdyn.analysis.similarity import (family_separation, linear_cka, mds_embedding,
                                         pairwise_shape_metrics, prepare, procrustes_distance)
from taskdyn.io import read_table

TOL = 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_procrustes_zero_for_rotated_scaled_shifted_copy(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((300, 6))
    y = 3.0 * x @ ortho_group.rvs(6, random_state=seed) + rng.standard_normal(6)
    assert procrustes_distance(x, y) == pytest.approx(0.0, abs=TOL)
    assert procrustes_distance(x, rng.standard_normal((300, 6))) > 0.5


def test_procrustes_tells_rotation_from_general_linear_maps_and_pads_units():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((300, 5))
    assert procrustes_distance(x, x @ np.diag([1.0, 1.0, 1.0, 4.0, 0.2])) > 0.2
    assert procrustes_distance(x, np.hstack([x, np.zeros((300, 3))])) == pytest.approx(0, abs=TOL)


def test_procrustes_triangle_inequality():
    rng = np.random.default_rng(4)
    a, b, c = (prepare(rng.standard_normal((200, 4)) @ rng.standard_normal((4, 4)))
               for _ in range(3))
    assert procrustes_distance(a, c) <= procrustes_distance(a, b) + procrustes_distance(b, c)


def test_cka_one_for_identical_and_invariant_to_rotation_and_scale():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 7))
    assert linear_cka(x, x) == pytest.approx(1.0, abs=TOL)
    assert linear_cka(x, 0.5 * x @ ortho_group.rvs(7, random_state=2)) == pytest.approx(1.0)
    assert linear_cka(x, rng.standard_normal((400, 7))) < 0.1


def test_pairwise_matrix_and_mds():
    rng = np.random.default_rng(6)
    base = rng.standard_normal((200, 4))
    states = [base, base @ ortho_group.rvs(4, random_state=0), rng.standard_normal((200, 9))]
    m = pairwise_shape_metrics(states)
    assert m["procrustes"][0, 1] == pytest.approx(0, abs=TOL) and m["procrustes"][0, 2] > 0.5
    assert np.allclose(np.diag(m["cka"]), 1) and np.allclose(m["cka"], m["cka"].T)
    points = rng.standard_normal((5, 2))
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    embedded = mds_embedding(distances)
    assert np.allclose(np.linalg.norm(embedded[:, None] - embedded[None], axis=-1), distances)


def test_family_separation():
    d = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], float)
    out = family_separation(d, ["gru", "gru", "node", "node"])
    assert out["within_family"] == 1 and out["between_family"] == 9
    assert out["silhouette"] == pytest.approx(1 - 1 / 9)
    assert np.isnan(family_separation(d, ["a", "b", "c", "d"])["silhouette"])


@pytest.mark.pipeline
def test_ladder_pipeline(tmp_path):
    """Snakemake on the tiny ladder config: MultiTask, RandomTarget and the similarity suite."""
    pytest.importorskip("motornet")
    pipeline = prepare_pipeline(tmp_path, "ctdb_ladder")
    run = pipeline.results
    targets = [f"results/test_ctdb_ladder/{p}" for p in (
        "tables/ctdb/multitask/multitask_performance.csv",
        "figures/ctdb/multitask/multitask_performance.png",
        "tables/ctdb/multitask/psychometric.csv", "figures/ctdb/multitask/psychometric.png",
        "tables/ctdb/reach/reaching.csv", "figures/ctdb/reach/reaching.png",
        "tables/ctdb/reach/similarity_summary.csv", "figures/ctdb/reach/similarity.png")]
    pipeline.snakemake(*targets)
    assert all((tmp_path / t).stat().st_size > 0 for t in targets if t.endswith(".csv"))
    _check_ladder_figures(run, tmp_path / "redrawn")
    summary = read_table(run / "tables/ctdb/reach/similarity_summary.csv")
    assert list(summary["measure"]) == ["dsa", "procrustes", "cka"]
    assert (summary["between_family"] > 0).all()  # a GRU and a NODE never coincide
    pairs = read_table(run / "tables/ctdb/reach/similarity_pairs.csv")
    assert len(pairs) == 3 * 2 * 2 and (pairs["value"] >= -TOL).all()
    performance = read_table(run / "tables/ctdb/multitask/multitask_performance.csv")
    assert set(performance["subtask"]) == {"DelayPro", "MemoryAnti", "IntMod1", "Match2Sample"}
    assert (performance["value"] >= 0).all()
    reaching = read_table(run / "tables/ctdb/reach/reaching.csv")
    assert (reaching.loc[reaching["metric"] == "end_error_m", "value"] < 1.5).all()


def _check_ladder_figures(run, out):
    """The ladder's figures, drawn again by their jobs from the run's files."""
    from taskdyn.studies.ctdb import jobs as ctdb_jobs

    files = {"pdf": str(out / "figure.pdf"), "png": str(out / "figure.png")}
    multitask = drawn_figure(ctdb_jobs.figure_multitask,
                             table=str(run / "tables/ctdb/multitask/multitask_performance.csv"),
                             **files)
    [ax] = panels(multitask)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["DelayPro", "MemoryAnti", "IntMod1",
                                                            "Match2Sample"]
    assert legend_labels(ax) == ["gru", "node"] and len(ax.patches) == 2 * 4
    assert ax.get_ylabel() == "success rate (held-out trials)"
    reaching = drawn_figure(ctdb_jobs.figure_reaching, evaluations=[
        str(run / f"eval/ctdb/reach/{model}/seed0.h5") for model in ("gru", "node")], **files)
    axes = panels(reaching)  # one row per model: reaches without and with a bump, errors
    assert [ax.get_title().split(" (n=")[0] for ax in axes] == [
        f"{model} (seed 0): {kind}" for model in ("gru", "node")
        for kind in ("no bump", "bumped", "non-catch trials")]
    assert legend_labels(axes[1]) == ["start", "target", "hand at trial end", "bump onset",
                                      "bump force (10 N = 5 cm)"]
    psychometric = drawn_figure(
        ctdb_jobs.figure_psychometric,
        table=str(run / "tables/ctdb/multitask/psychometric.csv"), **files)
    [intmod1] = panels(psychometric)  # the config's one Decision subtask
    assert intmod1.get_title().startswith("IntMod1\n")
    assert legend_labels(intmod1) == ["chance", "gru (1 seed)", "node (1 seed)"]
    assert axes[-2].get_xlabel() == "hand x (m)" and axes[0].get_ylabel() == "hand y (m)"
    assert axes[-1].get_xlabel().startswith("end-point error (cm")
    similarity = drawn_figure(figure_jobs.figure_similarity,
                              pairs=str(run / "tables/ctdb/reach/similarity_pairs.csv"),
                              embedding=str(run / "tables/ctdb/reach/similarity_mds.csv"), **files)
    axes = panels(similarity)  # matrices above their MDS maps, one column per measure
    assert [ax.get_title() for ax in axes[:3]] == ["DSA distance", "Procrustes angle",
                                                   "linear CKA"]
    assert len(axes) == 2 * 3 and len(colorbars(similarity)) == 3
    assert all(ax.images[0].get_array().shape == (2, 2) for ax in axes[:3])  # gru, node
    assert legend_labels(axes[-1]) == ["gru", "node"]
