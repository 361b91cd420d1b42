"""The analogy study's tables and figures from training histories (no Snakemake)."""

import numpy as np
import pandas as pd
import pytest

from taskdyn.io import read_table, write_table
from taskdyn.studies.analogy import jobs

SPLITS = ("id_atomic", "id_compositional", "near_ood_compositional", "id_analogical",
          "ood_analogical")


def _history(seed: int) -> pd.DataFrame:
    """Sigmoid learning curves: ID facts by epoch ~5, composition ~15, analogy ~30 + 10·seed."""
    epochs = np.arange(0, 101, 5)
    onset = {"id_atomic": 5, "id_compositional": 5, "near_ood_compositional": 15,
             "id_analogical": 10, "ood_analogical": 30 + 10 * seed}
    table = {"epoch": epochs, "train_loss": np.r_[np.nan, np.exp(-epochs[1:] / 20)],
             "dirichlet_energy": 2.0 - epochs / 100}
    for split, t0 in onset.items():
        p = 1 / (1 + np.exp(-(epochs - t0) / 2))
        table.update({f"val_{split}_accuracy": (p > 0.5).astype(float), f"val_{split}_prob": p,
                      f"val_{split}_ce": -np.log(p), f"val_{split}_ppl": 1 / p})
    # the functor's mechanism: attention to the source rises at epoch 20 (before held-out
    # analogy at 30 + 10·seed), parallelism with it; one layer, one head
    rise = 1 / (1 + np.exp(-(epochs - 20) / 2))
    for split in ("id_analogical", "ood_analogical"):
        table[f"mechanism/{split}/attention_to_source/0/0"] = 0.5 + 0.5 * rise
        table[f"mechanism/{split}/parallelism_ov/0/0"] = rise
        table[f"mechanism/{split}/parallelogram"] = 0.5 * rise
    table["mechanism/functor/isometry"] = np.full(len(epochs), 0.3)
    table["mechanism/functor/isometry_spearman"] = 0.2 + 0.6 * rise
    return pd.DataFrame(table)


def test_tables_and_figures_from_histories(tmp_path):
    paths, runs = [], []
    for model in ("gpt", "gpt_lr_0p01"):
        for seed in (0, 1):
            path = tmp_path / f"{model}_{seed}.csv"
            write_table(path, _history(seed), {"test": "yes"})
            paths.append(str(path))
            runs.append(["kg", model, seed])
    out = {name: str(tmp_path / f"{name}.csv") for name in ("dynamics", "final", "crossings",
                                                            "stages", "mechanism")}
    jobs.make_tables(histories=paths, runs=runs, threshold=0.9, onset_fraction=0.5, **out)

    dynamics = read_table(out["dynamics"])
    assert len(dynamics) == 4 * (20 + 21 + 21 * 4 * len(SPLITS))  # train loss has no epoch 0
    final = read_table(out["final"])
    assert set(final["epoch"]) == {100} and len(final) == 4 * (1 + 4 * len(SPLITS))
    crossings = read_table(out["crossings"]).set_index(["model", "seed", "split"])
    # sigmoid onsets t0 cross 0.5 just after t0: the next evaluation on the 5-epoch grid
    assert crossings.loc[("gpt", 0, "near_ood_compositional"), "epoch"] == 20
    assert crossings.loc[("gpt", 1, "ood_analogical"), "epoch"] == 45
    stages = read_table(out["stages"])
    assert stages["analogy_after_composition"].all()
    # the sigmoid passes half-way just after 20: the onset is the next evaluation, 25
    assert (stages["attention_to_source_onset_epoch"] == 25).all()
    assert (stages["parallelism_ov_onset_epoch"] == 25).all()
    assert stages["isometry_onset_epoch"].isna().all()  # flat
    assert (stages["isometry_spearman_onset_epoch"] == 25).all()
    assert stages["attention_to_source_before_analogy"].all()  # analogy at 35 or 45

    mechanism = read_table(out["mechanism"])
    assert len(mechanism) == 4 * 21 * (2 * 3 + 2)
    assert set(mechanism["metric"]) == {"attention_to_source", "parallelism_ov",
                                        "parallelogram", "isometry", "isometry_spearman"}
    assert mechanism.loc[mechanism["metric"] == "isometry", "head"].isna().all()
    assert (mechanism.loc[mechanism["metric"] == "attention_to_source", "head"] == 0).all()

    figures = tmp_path / "figures"
    jobs.figure_dynamics(table=out["dynamics"], crossings=out["crossings"], task="kg",
                         model="gpt", pdf=figures / "d.pdf", png=figures / "d.png")
    jobs.figure_energy(table=out["dynamics"], task="kg", model="gpt", pdf=figures / "e.pdf",
                       png=figures / "e.png")
    points = [{"knob": "lr", "value": 1e-3, "task": "kg", "model": "gpt"},
              {"knob": "lr", "value": 1e-2, "task": "kg", "model": "gpt_lr_0p01"}]
    jobs.figure_sweep(final=out["final"], points=points, pdf=figures / "s.pdf",
                      png=figures / "s.png")
    jobs.figure_mechanism(mechanism=out["mechanism"], dynamics=out["dynamics"],
                          crossings=out["crossings"], stages=out["stages"], task="kg",
                          model="gpt", pdf=figures / "m.pdf", png=figures / "m.png")
    for name in ("d", "e", "s", "m"):
        for ext in ("pdf", "png"):
            assert (figures / f"{name}.{ext}").stat().st_size > 1000


def test_history_without_mechanism_columns_is_refused_by_name(tmp_path):
    history = _history(0)
    path = tmp_path / "old.csv"
    write_table(path, history.drop(columns=[c for c in history if c.startswith("mechanism/")]),
                {"test": "yes"})
    out = {name: str(tmp_path / f"{name}.csv") for name in ("dynamics", "final", "crossings",
                                                            "stages", "mechanism")}
    with pytest.raises(ValueError, match=r"old\.csv has no mechanism columns.*retrain"):
        jobs.make_tables(histories=[str(path)], runs=[["kg", "gpt", 0]], threshold=0.9,
                         onset_fraction=0.5, **out)
    assert not any((tmp_path / f"{name}.csv").exists() for name in out)


def test_history_without_the_spearman_isometry_is_refused_by_name(tmp_path):
    path = tmp_path / "before_spearman.csv"
    write_table(path, _history(0).drop(columns="mechanism/functor/isometry_spearman"),
                {"test": "yes"})
    out = {name: str(tmp_path / f"{name}.csv") for name in ("dynamics", "final", "crossings",
                                                            "stages", "mechanism")}
    with pytest.raises(ValueError, match=r"before_spearman\.csv lacks the mechanism columns "
                                         r"\['mechanism/functor/isometry_spearman'\].*retrain"):
        jobs.make_tables(histories=[str(path)], runs=[["kg", "gpt", 0]], threshold=0.9,
                         onset_fraction=0.5, **out)
    assert not any((tmp_path / f"{name}.csv").exists() for name in out)
