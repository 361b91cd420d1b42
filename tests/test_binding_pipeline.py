"""End to end: snakemake runs the binding study on its tiny config in a scratch directory."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from taskdyn.io import read_table
from taskdyn.studies.binding.jobs import image_sets

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "configs" / "binding.yaml"


@pytest.mark.pipeline
def test_binding_pipeline_end_to_end(tmp_path):
    # A --configfile is merged into config/config.yaml: give the scratch directory only ours.
    (tmp_path / "config").mkdir()
    shutil.copy(CONFIG, tmp_path / "config" / "config.yaml")
    snakemake = Path(sys.executable).with_name("snakemake")
    figures = Path("results", "test_binding", "figures", "binding")
    targets = [figures / task / f"binding_{name}.png" for task in ("repeat_copy", "swap_sign")
               for name in ("spectra", "accuracy")]
    targets += [figures / f"binding_{name}.png"
                for name in ("embeddings", "persistence", "persistence_images", "distances",
                             "comparison")]
    subprocess.run([str(snakemake), *map(str, targets), "--snakefile", str(ROOT / "Snakefile"),
                    "--directory", str(tmp_path), "--cores", "2", "--quiet", "all"],
                   check=True, capture_output=True, text=True, timeout=600)
    tables = tmp_path / "results" / "test_binding" / "tables" / "binding"
    figures = tmp_path / figures

    models = read_table(tables / "repeat_copy" / "binding_models.csv")
    wide = models.pivot_table(index="seed", columns="metric", values="value")
    assert len(wide) == 2
    assert wide["accuracy"].between(0, 1).all()
    assert (wide["n_theory_projected"] == 4).all()  # repeat copy d = s = 2: 4 unit eigenvalues
    assert (wide["unit_circle_count_theory"] == 4).all()
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
    tests = read_table(tables / "binding_rank_tests.csv")
    assert tests["p_value"].between(0, 1).all()
    for name in ("repeat_copy/binding_spectra", "swap_sign/binding_accuracy", "binding_embeddings",
                 "binding_persistence", "binding_persistence_images", "binding_distances",
                 "binding_comparison"):
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").stat().st_size > 1000
