"""Every catalogue analysis end to end on every study that can feed it, in one snakemake run.

tests/configs/catalogue.yaml enables the generic analyses away from their home study (DSA,
similarity, state R² and fixed points on binding and wm networks; label decoding and
hidden-state topology on flip-flop networks; all that the thalamus readers and the analogy
transformer can feed). Only the generic analyses' outputs are requested, so the studies' own
analyses do not run.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from pipeline import REPO, prepare_pipeline
from taskdyn.catalogue import ANALYSES
from taskdyn.config import validate_config
from taskdyn.io import read_h5, read_h5_attrs, read_table

pytestmark = pytest.mark.pipeline
CONFIG = REPO / "tests" / "configs" / "catalogue.yaml"

# Outputs of each analysis, relative to results/<run>/: {s}tudy, {t}ask, {m}odel, {seed}; the
# per-seed ones for every seed, the figures of per-model analyses for each model's first seed.
OUTPUTS = {
    "trials": {"first": ["figures/{s}/{t}/{m}/seed{seed}/trials.png"]},
    "pca": {"seed": ["analysis/{s}/{t}/{m}/seed{seed}/pca.h5"],
            "task": ["figures/{s}/{t}/scree.png"]},
    "state_r2": {"task": ["tables/{s}/{t}/state_r2.csv", "figures/{s}/{t}/state_r2.png",
                          "figures/{s}/{t}/trajectory_overlay.png"]},
    "fixed_points": {"seed": ["analysis/{s}/{t}/{m}/seed{seed}/fixed_points.h5"],
                     "first": ["figures/{s}/{t}/{m}/seed{seed}/fixed_points.png"]},
    "spectra": {"seed": ["analysis/{s}/{t}/{m}/seed{seed}/spectra.h5"],
                "first": ["figures/{s}/{t}/{m}/seed{seed}/spectra.png"]},
    "dsa": {"task": ["analysis/{s}/{t}/dsa.h5", "tables/{s}/{t}/similarity_summary.csv",
                     "figures/{s}/{t}/similarity.png"]},
    "similarity": {"task": ["analysis/{s}/{t}/shape_similarity.h5",
                            "tables/{s}/{t}/similarity_pairs.csv", "figures/{s}/{t}/similarity.png"]},
    "label_decoding": {"seed": ["analysis/{s}/{t}/{m}/seed{seed}/label_decoding.csv"],
                       "first": ["figures/{s}/{t}/{m}/seed{seed}/label_decoding.png"]},
    "hidden_topology": {"task": ["tables/{s}/{t}/hidden_diagrams.csv",
                                 "tables/{s}/{t}/hidden_distances.csv",
                                 "figures/{s}/{t}/hidden_topology.png"]},
}


def expected_outputs(config: dict) -> dict[tuple[str, str], list[str]]:
    """{(study, analysis): output paths relative to the work directory} of the config."""
    out = {}
    for study, cfg in config["studies"].items():
        for name in (a for a in cfg["analyses"] if a in ANALYSES):
            paths = []
            for task in cfg["tasks"]:
                for scope, patterns in OUTPUTS[name].items():
                    runs = {"task": [(None, None)],
                            "first": [(m, cfg["seeds"][0]) for m in cfg["models"]],
                            "seed": [(m, s) for m in cfg["models"] for s in cfg["seeds"]]}[scope]
                    paths += [f"results/{config['run']}/" + p.format(s=study, t=task, m=m, seed=s)
                              for p in patterns for m, s in runs]
            out[study, name] = paths
    return out


def test_every_catalogue_analysis_has_known_outputs():
    assert set(OUTPUTS) == set(ANALYSES)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("catalogue")
    config = yaml.safe_load(CONFIG.read_text())
    outputs = expected_outputs(validate_config(yaml.safe_load(CONFIG.read_text()),
                                               REPO / "workflow" / "schemas"))
    targets = sorted({path for paths in outputs.values() for path in paths})
    prepare_pipeline(workdir, config).snakemake(*targets, "--quiet")
    return workdir, config, outputs


def test_every_enabled_analysis_wrote_its_outputs(finished_run):
    workdir, _, outputs = finished_run
    missing = [(key, p) for key, paths in outputs.items() for p in paths
               if not (workdir / p).is_file()]
    assert not missing
    for paths in outputs.values():
        for path in (p for p in paths if p.endswith(".png")):
            assert (workdir / path).stat().st_size > 1000, path


def test_cross_study_results_are_well_formed(finished_run):
    workdir, config, _ = finished_run
    results = workdir / "results" / config["run"]
    for study in ("binding", "wm"):
        task = next(iter(config["studies"][study]["tasks"]))
        dsa = read_h5(results / f"analysis/{study}/{task}/dsa.h5")["dsa"]
        assert dsa.shape == (2, 2) and np.allclose(dsa, dsa.T) and np.all(np.diag(dsa) == 0)
        r2 = read_table(results / f"tables/{study}/{task}/state_r2.csv")
        assert len(r2[r2["pc"] == "all"]) == 2 and np.isfinite(r2["r2"]).all()
        model = next(iter(config["studies"][study]["models"]))
        fp = read_h5(results / f"analysis/{study}/{task}/{model}/seed0/fixed_points.h5")
        assert fp["xstar"].shape[1] == 6  # the recurrent state's width
        pairs = read_table(results / f"tables/{study}/{task}/similarity_pairs.csv")
        assert set(pairs["measure"]) == {"dsa", "procrustes", "cka"}
    decoding = read_table(results / "analysis/ctdb/3bff/gru/seed0/label_decoding.csv")
    assert set(decoding["label"]) == {"bit0", "bit1"}
    scored = decoding["accuracy"].dropna()
    assert len(scored) and scored.between(0, 1).all()
    assert (decoding["chance"] == 0.5).all()
    distances = read_table(results / "tables/ctdb/3bff/hidden_distances.csv")
    assert set(distances["metric"]) == {"wasserstein", "bottleneck"}
    assert (distances["value"] >= 0).all()
    diagrams = read_table(results / "tables/ctdb/3bff/hidden_diagrams.csv")
    assert set(diagrams["seed"]) == {0, 1} and set(diagrams["dim"]) == {0, 1}
    assert read_h5_attrs(results / "eval/ctdb/3bff/gru/seed0.h5")["study"] == "ctdb"
