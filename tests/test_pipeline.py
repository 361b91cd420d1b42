"""The Snakemake pipeline end to end on a tiny flip-flop config, and its rerun semantics."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from figures import drawn_figure, legend_labels, panels, suptitle
from pipeline import REPO, named_config, prepare_pipeline
from taskdyn import figure_jobs
from taskdyn.io import read_h5_attrs, read_table

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A completed tiny run (shared by the tests of this module)."""
    config = named_config("ctdb_tiny")
    pipeline = prepare_pipeline(tmp_path_factory.mktemp("pipeline"), config)
    pipeline.snakemake()
    return pipeline, config


def test_every_declared_output_exists(finished_run, tmp_path):
    pipeline, config = finished_run
    result = pipeline.with_config(config).snakemake("-n")
    assert "Nothing to be done" in result.output
    results = pipeline.results
    table = read_table(results / "tables/ctdb/3bff/metrics.csv")
    assert set(table["model"]) == {"gru", "node"}
    assert set(table["seed"]) == {0, 1}
    assert {"bit_accuracy", "n_stable_fixed_points", "spectral_radius"} <= set(table["metric"])
    for name in ("scree", "state_r2", "trajectory_overlay", "learning_curves"):
        for ext in ("pdf", "png"):
            assert (results / f"figures/ctdb/3bff/{name}.{ext}").is_file()
    _check_task_figures(results, tmp_path / "redrawn")
    attrs = read_h5_attrs(results / "eval/ctdb/3bff/gru/seed0.h5")
    assert attrs["provenance"]["seed"] == 0 and attrs["model"] == "gru"
    r2 = read_table(results / "tables/ctdb/3bff/state_r2.csv")
    assert np.isfinite(r2["r2"]).all()


def _check_task_figures(results, out):
    """The task's figures, drawn again by their jobs from the run's files: every model × seed
    is in them."""
    runs = [f"{model}/seed{seed}" for model in ("gru", "node") for seed in (0, 1)]
    files = {"pdf": str(out / "figure.pdf"), "png": str(out / "figure.png")}
    curves = drawn_figure(figure_jobs.figure_learning_curves, histories=[
        str(results / f"models/ctdb/3bff/{run}/history.csv") for run in runs], **files)
    loss, accuracy = panels(curves)
    assert legend_labels(loss) == ["gru", "node"]
    assert sum(len(line.get_xdata()) == 2 for line in loss.lines) == 2 * len(runs)  # 2 epochs
    assert accuracy.get_ylabel() == "val bit accuracy" and len(accuracy.lines) == len(runs)
    scree = drawn_figure(figure_jobs.figure_scree, pcas=[
        str(results / f"analysis/ctdb/3bff/{run}/pca.h5") for run in runs], **files)
    explained, cumulative = panels(scree)
    assert suptitle(scree) == "ctdb · 3bff · PCA of latents"
    assert legend_labels(explained) == ["gru", "node"]
    assert sum(line.get_marker() == "o" for line in cumulative.lines) == len(runs)
    r2 = drawn_figure(figure_jobs.figure_state_r2,
                      table=str(results / "tables/ctdb/3bff/state_r2.csv"), **files)
    [heatmap] = panels(r2)
    names = sorted(set(read_table(results / "tables/ctdb/3bff/state_r2.csv")["source"]))
    assert len(names) == len(runs)
    assert [t.get_text() for t in heatmap.get_xticklabels()] == names
    assert heatmap.images[0].get_array().shape == (len(runs), len(runs))
    overlay = drawn_figure(figure_jobs.figure_trajectory_overlay, evaluations=[
        str(results / f"eval/ctdb/3bff/{model}/seed0.h5") for model in ("gru", "node")],
        analysis={"n_components": 3}, **files)
    [node] = panels(overlay)  # the reference gru against the one other model type
    assert node.get_title() == "node seed 0 mapped into gru seed 0"
    assert legend_labels(node)[1].startswith("node seed 0 mapped, R² = ")
    fixed_points = drawn_figure(
        figure_jobs.figure_fixed_points,
        fixed_points=str(results / "analysis/ctdb/3bff/gru/seed0/fixed_points.h5"),
        evaluation=str(results / "eval/ctdb/3bff/gru/seed0.h5"), **files)
    _, qstar = panels(fixed_points)
    assert legend_labels(qstar)[0] == "all candidates (64)"  # the config's n_inits
    assert legend_labels(qstar)[-1] == "q* cut (1e-10)"


def _scheduled_jobs(output: str) -> set[tuple[str, str]]:
    """(rule, model) of every job in a dry-run listing ('' for jobs without a model wildcard)."""
    jobs = set()
    for block in re.split(r"\n(?=(?:local)?rule )", output):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        if rule:
            model = re.search(r"wildcards:.*\bmodel=(\w+)", block)
            jobs.add((rule.group(1), model.group(1) if model else ""))
    return jobs


def test_editing_one_models_lr_reruns_only_that_model(finished_run):
    pipeline, config = finished_run
    edited = copy.deepcopy(config)
    edited["studies"]["ctdb"]["models"]["gru"]["train"] = {"lr": 0.02}
    result = pipeline.with_config(edited).snakemake("-n")
    jobs = _scheduled_jobs(result.stdout)
    per_model = {(rule, model) for rule, model in jobs if model}
    assert ("train_model", "gru") in per_model
    assert {model for _, model in per_model} == {"gru"}, per_model
    assert ("make_dataset", "") not in jobs
    # the cross-model summaries depend on the retrained model and rerun too
    assert ("make_metrics_table", "") in jobs and ("compare_state_r2", "") in jobs


def test_a_task_trains_only_the_models_it_lists(tmp_path):
    config = named_config("ctdb_tiny")
    config["studies"]["ctdb"]["tasks"]["3bff"]["models"] = ["gru"]
    jobs = _scheduled_jobs(prepare_pipeline(tmp_path, config).snakemake("-n").stdout)
    assert {model for _, model in jobs if model} == {"gru"}, jobs
    assert {"train_model", "evaluate_model", "compute_pca"} <= {rule for rule, _ in jobs}


def test_lint_reports_nothing(tmp_path):
    result = prepare_pipeline(tmp_path, REPO / "config" / "config.yaml").snakemake(
        "--lint", cores=None, check=False)
    assert result.returncode == 0, result.output


def test_paper_config_builds_on_the_slurm_profile(tmp_path):
    result = prepare_pipeline(tmp_path, REPO / "config" / "paper.yaml").snakemake(
        "-n", "--profile", REPO / "profiles" / "slurm", cores=None, check=False)
    output = result.output
    assert result.returncode == 0, output[-3000:]
    train_jobs = re.search(r"^train_model\s+(\d+)$", output, re.MULTILINE)
    assert train_jobs and int(train_jobs.group(1)) > 100, output[-3000:]
