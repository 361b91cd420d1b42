"""End to end: Snakemake runs the thalamus study on its tiny config in a scratch directory."""

import pytest

from figures import colorbars, drawn_figure, legend_labels, panels, texts
from pipeline import prepare_pipeline
from taskdyn.io import read_h5, read_table
from taskdyn.studies.thalamus import jobs


@pytest.mark.pipeline
def test_thalamus_pipeline_on_the_tiny_config(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "thalamus")
    pipeline.snakemake("-q")

    results = pipeline.results
    babi = sorted(p.name for p in (results / "babi" / "thalamus" / "generated").iterdir())
    assert babi == ["qa1_single-supporting-fact_test.txt", "qa1_single-supporting-fact_train.txt",
                    "qa6_yes-no-questions_test.txt", "qa6_yes-no-questions_train.txt"]
    tables = results / "tables" / "thalamus" / "qa1_6"
    accuracy = read_table(tables / "accuracy.csv")
    assert set(accuracy["model"]) == {"thalamus", "last_k", "lstm"}
    assert set(accuracy["babi_task"]) == {1, 6} and accuracy["accuracy"].between(0, 1).all()
    assert (accuracy["ref_lstm_error_pct"] == accuracy["babi_task"].map({1: 50.0, 6: 52.0})).all()
    gating = read_table(tables / "gating.csv")
    assert set(gating["model"]) == {"thalamus", "last_k"} and (gating["n_selected"] <= 6).all()
    comparison = read_table(tables / "gate_comparison.csv")
    assert comparison.set_index("model")["gate"].to_dict() == {
        "thalamus": "learned", "last_k": "last_k", "lstm": "lstm"}
    assert (comparison["n_near"] + comparison["n_far"] <= comparison["n_questions"]).all()
    assert comparison.loc[comparison["model"] == "lstm", "sentence_recall"].eq(1.0).all()
    distance = read_table(tables / "gate_distance.csv")
    per_model = distance.groupby(["model", "babi_task"])["n_questions"].sum()
    assert per_model.le(comparison.set_index(["model", "babi_task"])["n_questions"]).all()
    summary = read_table(tables / "gate_summary.csv")
    assert (summary["n_seeds"] == 1).all() and summary["accuracy_low"].isna().all()
    assert gating[["precision", "token_recall", "sentence_recall"]].stack().between(0, 1).all()
    swap = read_table(tables / "task_swap.csv")
    assert len(swap) == 2 * 4 and swap["accuracy"].between(0, 1).all()  # thalamus, last_k
    swap = swap[swap["model"] == "thalamus"]
    diagonal = swap[swap["true_task"] == swap["given_task"]].set_index("true_task")["accuracy"]
    assert diagonal.to_dict() == pytest.approx(
        accuracy[accuracy["model"] == "thalamus"].set_index("babi_task")["accuracy"].to_dict())
    summary = read_table(tables / "task_swap_summary.csv").set_index("model")
    assert set(summary.index) == {"thalamus", "last_k"} and (summary["n_tasks"] == 2).all()
    assert summary.loc["thalamus", "diagonal"] == pytest.approx(diagonal.mean())
    assert summary["drop"].to_numpy() == pytest.approx(
        (summary["diagonal"] - summary["off_diagonal"]).to_numpy())
    assert (swap["n_questions"] == swap["true_task"].map(
        accuracy.groupby("babi_task")["n_questions"].first())).all()
    overlap = read_table(tables / "gate_overlap.csv")  # the learned gate only
    assert set(overlap["model"]) == {"thalamus"} and len(overlap) == 4
    assert overlap["overlap"].between(0, 1).all()
    assert (overlap.loc[overlap["true_task"] == overlap["given_task"], "overlap"] == 1).all()
    rerun = overlap.set_index(["true_task", "given_task"])["accuracy"]  # the model, run again
    assert rerun.to_dict() == pytest.approx(
        swap.set_index(["true_task", "given_task"])["accuracy"].to_dict())
    evaluation = read_h5(results / "eval" / "thalamus" / "qa1_6" / "thalamus" / "seed0.h5",
                         ["hidden", "phase", "labels/selected"])
    assert evaluation["hidden"].ndim == 3 and evaluation["phase"].shape[:2] == \
        evaluation["labels/selected"].shape
    figures = results / "figures" / "thalamus" / "qa1_6"
    for png in ("accuracy.png", "task_swap.png", "gate_overlap.png", "gate_sweep.png",
                "gate_distance.png",
                "thalamus/seed0/salience.png",
                "thalamus/seed0/phases.png"):
        assert (figures / png).is_file()
    _check_figures(results, tmp_path / "redrawn")


def _check_figures(results, out):
    """The figures, drawn again by their jobs from the run's tables."""
    tables = results / "tables" / "thalamus" / "qa1_6"
    files = {"pdf": str(out / "figure.pdf"), "png": str(out / "figure.png")}
    [ax] = panels(drawn_figure(jobs.plot_accuracy, table=str(tables / "accuracy.csv"), **files))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["qa1", "qa6"]
    assert legend_labels(ax) == ["LSTM (published, 1k)", "MemN2N (published, 1k)",
                                 "pass (95 %)", "thalamus", "last_k", "lstm"]  # lines, bars
    assert len(ax.patches) == 3 * 2  # a bar per model and task
    swap = drawn_figure(jobs.plot_task_swap, table=str(tables / "task_swap.csv"), **files)
    ax, last_k = panels(swap)
    assert ax.get_title() == "thalamus" and last_k.get_title() == "last_k"
    assert len(colorbars(swap)) == 1
    assert ax.images[0].get_array().shape == (2, 2) and len(texts(ax)) == 4
    kept = drawn_figure(jobs.plot_gate_overlap, table=str(tables / "gate_overlap.csv"), **files)
    [ax] = panels(kept)
    assert ax.get_title() == "thalamus" and ax.images[0].get_array().shape == (2, 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["qa1", "qa6"]
    sweep = panels(drawn_figure(jobs.plot_gate_sweep, table=str(tables / "gate_summary.csv"),
                                **files))
    assert [ax.get_title() for ax in sweep] == ["qa1: test accuracy", "qa1: sentence recall",
                                                "qa6: test accuracy", "qa6: sentence recall"]
    assert legend_labels(sweep[1]) == ["lstm (all tokens)", "learned gate", "last_k gate"]
    by_distance = panels(drawn_figure(jobs.plot_gate_distance,
                                      table=str(tables / "gate_distance.csv"), **files))
    assert [ax.get_xlabel() for ax in by_distance] == ["supporting fact: sentences back"] * 2
    analysis = results / "analysis" / "thalamus" / "qa1_6" / "thalamus" / "seed0"
    salience = drawn_figure(jobs.plot_salience, table=str(analysis / "salience.csv"), **files)
    axes = panels(salience)
    assert [ax.get_title(loc="left").split(":")[0] for ax in axes] == ["qa1", "qa1", "qa6", "qa6"]
    assert all(ax.get_ylabel() == "salience" for ax in axes)  # 2 examples per bAbI task
    assert legend_labels(axes[0]) == ["kept (top-k)", "dropped", "supporting sentence"]
    assert all(len(ax.containers[0]) == len(ax.get_xticklabels()) for ax in axes)  # per token
    phases = drawn_figure(jobs.plot_phases, roles_table=str(analysis / "phase_roles.csv"),
                          pca_table=str(analysis / "phase_pca.csv"), **files)
    roles, pca = panels(phases)
    assert roles.get_title() == "mean phase tag by token role"
    assert pca.get_title() == "phase tags (PCA, test tokens)"
    assert legend_labels(pca) == ["other", "supporting", "question_word", "answer"]
    assert sum(len(c.get_offsets()) for c in pca.collections) == len(
        read_table(analysis / "phase_pca.csv"))
