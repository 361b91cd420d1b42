"""End to end: Snakemake runs the thalamus study on its tiny config in a scratch copy."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taskdyn.io import read_h5, read_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.pipeline
def test_thalamus_pipeline_on_the_tiny_config(tmp_path):
    for name in ("Snakefile", "workflow", "scripts", "envs"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "tests" / "configs" / "thalamus.yaml", tmp_path / "config" / "config.yaml")
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    results = tmp_path / "results" / "test_thalamus"
    babi = sorted(p.name for p in (results / "babi" / "thalamus" / "generated").iterdir())
    assert babi == ["qa1_single-supporting-fact_test.txt", "qa1_single-supporting-fact_train.txt",
                    "qa6_yes-no-questions_test.txt", "qa6_yes-no-questions_train.txt"]
    tables = results / "tables" / "thalamus" / "qa1_6"
    accuracy = read_table(tables / "accuracy.csv")
    assert set(accuracy["model"]) == {"thalamus", "lstm"}
    assert set(accuracy["babi_task"]) == {1, 6} and accuracy["accuracy"].between(0, 1).all()
    assert (accuracy["ref_lstm_error_pct"] == accuracy["babi_task"].map({1: 50.0, 6: 52.0})).all()
    gating = read_table(tables / "gating.csv")
    assert set(gating["model"]) == {"thalamus"} and (gating["n_selected"] <= 6).all()
    assert gating[["precision", "token_recall", "sentence_recall"]].stack().between(0, 1).all()
    swap = read_table(tables / "task_swap.csv")
    assert len(swap) == 4 and swap["accuracy"].between(0, 1).all()
    diagonal = swap[swap["true_task"] == swap["given_task"]].set_index("true_task")["accuracy"]
    assert diagonal.to_dict() == pytest.approx(
        accuracy[accuracy["model"] == "thalamus"].set_index("babi_task")["accuracy"].to_dict())
    evaluation = read_h5(results / "eval" / "thalamus" / "qa1_6" / "thalamus" / "seed0.h5",
                         ["hidden", "phase", "labels/selected"])
    assert evaluation["hidden"].ndim == 3 and evaluation["phase"].shape[:2] == \
        evaluation["labels/selected"].shape
    figures = results / "figures" / "thalamus" / "qa1_6"
    for png in ("accuracy.png", "task_swap.png", "thalamus/seed0/salience.png",
                "thalamus/seed0/phases.png"):
        assert (figures / png).stat().st_size > 10_000
