"""End to end: snakemake runs the analogy study on its tiny config in a scratch directory."""

import pytest

from figures import drawn_figure, labelled_lines, legend_labels, panels, suptitle
from pipeline import prepare_pipeline
from taskdyn.io import read_h5, read_table
from taskdyn.studies.analogy import jobs

FACT_TYPES = 5  # id_atomic, id_compositional, near_ood_compositional, id/ood_analogical
EPOCHS = 4  # evaluations at epochs 0, 4, 8 and 12


@pytest.mark.pipeline
def test_analogy_pipeline_end_to_end(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "analogy")
    pipeline.snakemake("analogy_all", "--quiet", "all")
    results = pipeline.results
    tables, figures = results / "tables" / "analogy", results / "figures" / "analogy"

    dynamics = read_table(tables / "dynamics.csv")
    assert set(dynamics["model"]) == {"gpt", "gpt_lr_0p003"}  # the sweep point is a model
    assert sorted(set(dynamics["epoch"])) == [0, 4, 8, 12]
    assert set(dynamics["split"]) == {"train", "functor", "id_atomic", "id_compositional",
                                      "near_ood_compositional", "id_analogical",
                                      "ood_analogical"}
    scores = dynamics[dynamics["metric"].isin(["accuracy", "prob"])]["value"]
    assert scores.between(0, 1).all()
    energy = dynamics[dynamics["metric"] == "dirichlet_energy"]["value"]
    assert energy.between(0, 4).all() and len(energy) == 2 * 4
    final = read_table(tables / "final_metrics.csv")
    assert set(final["epoch"]) == {12}
    crossings = read_table(tables / "threshold_epochs.csv")
    assert len(crossings) == 2 * 5 and (crossings["threshold"] == 0.9).all()
    statistics = read_table(tables / "stage_statistics.csv")
    assert list(statistics["kind"]) == ["seed", "seed", "summary", "summary"]
    energies = read_table(tables / "energy_statistics.csv")
    assert len(energies) == 2 * 4 + 2 * 4  # 2 runs × 4 energies, a summary per model × energy
    stages = read_table(tables / "stage_order.csv")
    assert len(stages) == 2 and "attention_to_source_onset_epoch" in stages
    assert stages["attention_to_source_before_analogy"].dtype == bool

    mechanism = read_table(tables / "mechanism.csv")  # 1 layer × 1 head, 3 ID / 2 OOD prompts
    assert sorted(set(mechanism["epoch"])) == [0, 4, 8, 12]
    per_epoch = mechanism.groupby(["model", "epoch"]).size()
    # per split 3 measures and the attention's chance level; 2 isometries and their nulls
    assert (per_epoch == 2 * 4 + 2 * 3).all() and len(per_epoch) == 2 * 4
    assert set(mechanism.loc[mechanism["split"] == "functor", "metric"]) == {
        "isometry", "isometry_spearman", "isometry_null_low", "isometry_null_high",
        "isometry_spearman_null_low", "isometry_spearman_null_high"}
    chance = mechanism[mechanism["metric"] == "attention_chance"]["value"]
    assert (chance == 0.5).all()  # (e, <f>) prompts: 2 tokens
    assert "isometry_spearman_onset_epoch" in stages
    attention = mechanism[mechanism["metric"] == "attention_to_source"]
    assert attention["value"].between(0, 1).all() and (attention["head"] == 0).all()
    assert mechanism[mechanism["metric"] != "attention_to_source"]["value"].between(-1, 1).all()

    evaluation = read_h5(results / "eval" / "analogy" / "kg" / "gpt" / "seed0.h5",
                         ["hidden", "outputs", "labels/split"])
    assert evaluation["hidden"].shape[1:] == (3, 32)
    assert evaluation["outputs"].shape[-1] == 10  # logits over the entities
    names = [f"{t}/{m}/{f}" for t in ["kg"] for m in ["gpt", "gpt_lr_0p003"]
             for f in ["dynamics", "energy", "mechanism"]] + ["sweep"]
    for name in names:
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").is_file()
    _check_figures(tables, tmp_path / "redrawn")


def _check_figures(tables, out):
    """The figures, drawn again by their jobs from the run's tables."""
    files = {"pdf": str(out / "figure.pdf"), "png": str(out / "figure.png")}
    for model in ("gpt", "gpt_lr_0p003"):
        dynamics = drawn_figure(jobs.figure_dynamics, table=str(tables / "dynamics.csv"),
                                crossings=str(tables / "threshold_epochs.csv"), task="kg",
                                model=model, **files)
        accuracy, prob = panels(dynamics)  # one seed: one column
        assert suptitle(dynamics) == f"analogy · kg · {model}"
        assert accuracy.get_title() == "seed 0" and prob.get_xlabel() == "epoch"
        assert prob.get_ylabel() == "p(correct entity)"
        assert len(legend_labels(accuracy)) == FACT_TYPES
        for ax in (accuracy, prob):
            curves = labelled_lines(ax)
            assert len(curves) == FACT_TYPES
            assert all(len(curve.get_xdata()) == EPOCHS for curve in curves)

        energy = drawn_figure(jobs.figure_energy, table=str(tables / "dynamics.csv"),
                              statistics=str(tables / "energy_statistics.csv"), task="kg",
                              model=model, **files)
        axes = panels(energy)
        assert [ax.get_xlabel() for ax in axes] == ["epoch", "epoch", "Dirichlet energy",
                                                    "Dirichlet energy", "epoch", "epoch",
                                                    "epoch", ""]
        assert legend_labels(axes[0]) == ["seed 0"]
        assert len(axes[0].lines[0].get_xdata()) == EPOCHS
        assert [len(ax.collections[0].get_offsets()) for ax in axes[2:4]] == [EPOCHS] * 2

        mechanism = drawn_figure(
            jobs.figure_mechanism, mechanism=str(tables / "mechanism.csv"),
            dynamics=str(tables / "dynamics.csv"), crossings=str(tables / "threshold_epochs.csv"),
            stages=str(tables / "stage_order.csv"), task="kg", model=model, **files)
        rows = panels(mechanism)
        assert suptitle(mechanism) == f"analogy · kg · {model}: functor mechanism over training"
        assert [ax.get_ylabel().split("\n")[0] for ax in rows] == [
            "analogical accuracy", "attention <f> → source", "parallelism",
            "isometry: r, ρ(d_E1, d_E2)"]
        assert {"L0 H0, ID prompts", "L0 H0, held-out prompts"} <= set(legend_labels(rows[1]))
        assert {"Pearson r (all f-pairs)", "Spearman ρ (all f-pairs)"} <= set(
            legend_labels(rows[3]))
        assert "chance (1 / prompt tokens)" in legend_labels(rows[1])
        assert "permutation null 95 %, r" in legend_labels(rows[3])

    points = [{"knob": "lr", "value": 1e-3, "task": "kg", "model": "gpt"},
              {"knob": "lr", "value": 3e-3, "task": "kg", "model": "gpt_lr_0p003"}]
    sweep = drawn_figure(jobs.figure_sweep, final=str(tables / "final_metrics.csv"),
                         points=points, **files)
    [ax] = panels(sweep)
    assert ax.get_xlabel() == "lr" and ax.get_ylabel() == "final accuracy"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.003"]
    assert len(legend_labels(ax)) == FACT_TYPES
    assert all(len(line.get_xdata()) == 2 for line in labelled_lines(ax))  # both sweep points
