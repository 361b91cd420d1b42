"""End to end: snakemake runs the wm study on its tiny config in a scratch directory."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from taskdyn.io import read_h5_attrs, read_table

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "configs" / "wm.yaml"
SNAKEMAKE = Path(sys.executable).with_name("snakemake")


def _snakemake(directory: Path, *args: str) -> str:
    run = subprocess.run([str(SNAKEMAKE), "--snakefile", str(ROOT / "Snakefile"), "--directory",
                          str(directory), "--cores", "2", *args],
                         check=True, capture_output=True, text=True, timeout=600)
    return run.stdout + run.stderr


@pytest.mark.pipeline
def test_wm_pipeline_end_to_end_and_features_cached_once(tmp_path):
    # A --configfile is merged into config/config.yaml: give the scratch directory only ours.
    (tmp_path / "config").mkdir()
    shutil.copy(CONFIG, tmp_path / "config" / "config.yaml")
    _snakemake(tmp_path, "--quiet", "all")
    results = tmp_path / "results" / "test_wm"
    tables, figures = results / "tables" / "wm", results / "figures" / "wm"

    accuracy = read_table(tables / "accuracy.csv")
    assert set(accuracy["split"]) == {"train", "val", "novel_angle", "novel_identity"}
    assert set(accuracy["nback_task"]) == {"all", "1back_location", "1back_category",
                                           "2back_location", "2back_category"}
    assert accuracy["accuracy"].between(0, 1).all()

    decoding = read_table(tables / "decoding.csv")
    cnn_encoding = decoding[(decoding["space"] == "cnn") & (decoding["analysis"] == "cross_time")
                            & (decoding["property"] == "location")
                            & (decoding["train_time"] == decoding["stimulus"])
                            & (decoding["test_time"] == decoding["stimulus"])]
    assert len(cnn_encoding) == 6 and (cnn_encoding["accuracy"] > 0.9).all()  # on-screen location
    assert decoding["accuracy"].between(0, 1).all()
    procrustes = read_table(tables / "procrustes.csv")
    assert set(procrustes["condition"]) >= {"direct", "reconstructed", "same_age",
                                             "same_stimulus", "unrotated"}
    assert procrustes.loc[procrustes["metric"] == "accuracy", "value"].between(0, 1).all()
    ortho = read_table(tables / "orthogonalisation.csv")
    assert len(ortho) == 4 and ortho["index"].between(0, 1).all()
    ttest = read_table(tables / "orthogonalisation_test.csv")
    assert len(ttest) == 1 and (ttest[["n_cnn", "n_rnn"]] == 2).all(axis=None)  # 2 properties
    assert ttest["p"].between(0, 1).all() and set(ttest["more_orthogonalised"]) <= {"cnn", "rnn"}
    assert (ttest["dof"] > 0).all()  # annotated on the orthogonalisation figure

    cross = read_table(tables / "cross_task.csv")  # 3 properties × 2 × 2 task features
    assert len(cross) == 12 and set(cross["train_task"]) == {"location", "category"}
    assert cross["accuracy"].between(0, 1).all()
    assert cross.loc[cross["property"] == "location", "accuracy"].mean() > 0.5  # chance 0.25
    perturbation = read_table(tables / "perturbation.csv")
    assert set(perturbation["direction"]) == {"decoder", "random"}
    assert (perturbation["n_samples"] > 0).all()
    total = perturbation.groupby(["nback_task", "direction", "magnitude"])["probability"].sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)
    unshifted = perturbation[perturbation["magnitude"] == 0].pivot_table(
        index=["nback_task", "response"], columns="direction", values="probability")
    np.testing.assert_allclose(unshifted["decoder"], unshifted["random"])
    for name in ("stimuli", "accuracy", "cross_time", "procrustes", "orthogonalisation",
                 "cross_task", "perturbation"):
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").stat().st_size > 1000
    features = results / "stimuli" / "wm" / "features.h5"
    assert read_h5_attrs(features)["encoder"]["weights_source"] == "random-frozen"

    # Retraining with other settings reuses the cached features; a new encoder recomputes them.
    config = yaml.safe_load(CONFIG.read_text())
    config["studies"]["wm"]["train"]["epochs"] = 3
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    plan = _snakemake(tmp_path, "--dry-run", "all")
    assert "train_model" in plan and "make_dataset" not in plan
    assert "extract_wm_features" not in plan and "make_wm_stimuli" not in plan
    config["studies"]["wm"]["encoder"]["seed"] = 1
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    assert "extract_wm_features" in _snakemake(tmp_path, "--dry-run", "all")
