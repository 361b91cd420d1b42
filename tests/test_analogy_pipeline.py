"""End to end: snakemake runs the analogy study on its tiny config in a scratch directory."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taskdyn.io import read_h5, read_table

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "configs" / "analogy.yaml"


@pytest.mark.pipeline
def test_analogy_pipeline_end_to_end(tmp_path):
    (tmp_path / "config").mkdir()
    shutil.copy(CONFIG, tmp_path / "config" / "config.yaml")
    snakemake = Path(sys.executable).with_name("snakemake")
    subprocess.run([str(snakemake), "analogy_all", "--snakefile", str(ROOT / "Snakefile"),
                    "--directory", str(tmp_path), "--cores", "2", "--quiet", "all"],
                   check=True, capture_output=True, text=True, timeout=600)
    results = tmp_path / "results" / "test_analogy"
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
    stages = read_table(tables / "stage_order.csv")
    assert len(stages) == 2 and "attention_to_source_onset_epoch" in stages
    assert stages["attention_to_source_before_analogy"].dtype == bool

    mechanism = read_table(tables / "mechanism.csv")  # 1 layer × 1 head, 3 ID / 2 OOD prompts
    assert sorted(set(mechanism["epoch"])) == [0, 4, 8, 12]
    per_epoch = mechanism.groupby(["model", "epoch"]).size()
    assert (per_epoch == 2 * 3 + 2).all() and len(per_epoch) == 2 * 4  # + 2 isometries
    assert set(mechanism.loc[mechanism["split"] == "functor", "metric"]) == {
        "isometry", "isometry_spearman"}
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
            assert (figures / f"{name}.{ext}").stat().st_size > 1000
