"""The analogy study's tables and figures from training histories (no Snakemake)."""

import numpy as np
import pandas as pd
import pytest

from figures import drawn_figure, labelled_lines, legend_labels, panels, suptitle
from taskdyn.io import read_table, write_table
from taskdyn.studies.analogy import jobs

SPLITS = ("id_atomic", "id_compositional", "near_ood_compositional", "id_analogical",
          "ood_analogical")


def _history(seed: int) -> pd.DataFrame:
    """Sigmoid learning curves: ID facts by epoch ~5, composition ~15, analogy ~30 + 10·seed."""
    epochs = np.arange(0, 101, 5)
    onset = {"id_atomic": 5, "id_compositional": 5, "near_ood_compositional": 15,
             "id_analogical": 10, "ood_analogical": 30 + 10 * seed}
    # the energy rises to 2 at epoch 10 and drops to 1; its raw form grows with the norms
    energy = np.where(epochs <= 10, 1.5 + epochs / 20, 1.0)
    table = {"epoch": epochs, "train_loss": np.r_[np.nan, np.exp(-epochs[1:] / 20)],
             "dirichlet_energy": energy, "dirichlet_energy_raw": energy * (1 + epochs / 10),
             "dirichlet_energy_scaled": energy, "dirichlet_energy_centred": 0.5 * energy}
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
    for split in ("id_analogical", "ood_analogical"):
        table[f"mechanism/{split}/attention_chance"] = np.full(len(epochs), 0.5)
    table["mechanism/functor/isometry_null_low"] = np.full(len(epochs), -0.4)
    table["mechanism/functor/isometry_null_high"] = np.full(len(epochs), 0.4)
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
    # train loss has no epoch 0; four energies
    assert len(dynamics) == 4 * (20 + 4 * 21 + 21 * 4 * len(SPLITS))
    final = read_table(out["final"])
    assert set(final["epoch"]) == {100} and len(final) == 4 * (4 + 4 * len(SPLITS))
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
    assert len(mechanism) == 4 * 21 * (2 * 4 + 4)
    assert set(mechanism["metric"]) == {"attention_to_source", "parallelism_ov",
                                        "parallelogram", "isometry", "isometry_spearman",
                                        "attention_chance", "isometry_null_low",
                                        "isometry_null_high"}
    assert mechanism.loc[mechanism["metric"] == "isometry", "head"].isna().all()
    assert (mechanism.loc[mechanism["metric"] == "attention_to_source", "head"] == 0).all()

    figures = tmp_path / "figures"
    dynamics = drawn_figure(jobs.figure_dynamics, table=out["dynamics"],
                            crossings=out["crossings"], task="kg", model="gpt",
                            pdf=figures / "d.pdf", png=figures / "d.png")
    axes = panels(dynamics)  # accuracy above probability, one column per seed
    assert len(axes) == 2 * 2 and suptitle(dynamics) == "analogy · kg · gpt"
    assert [ax.get_title() for ax in axes[:2]] == ["seed 0", "seed 1"]
    assert legend_labels(axes[1]) == ["ID atomic", "ID compositional",
                                      "near OOD compositional", "ID analogical",
                                      "OOD analogical"]
    for ax in axes:
        curves = labelled_lines(ax)
        assert len(curves) == len(SPLITS) and all(len(c.get_xdata()) == 21 for c in curves)
    crossing_marks = [line for line in axes[0].lines if line.get_marker() == "v"]
    assert len(crossing_marks) == len(SPLITS)  # every fact type reaches 0.9 in seed 0
    statistics = str(tmp_path / "energy_statistics.csv")
    jobs.make_statistics(dynamics=out["dynamics"], crossings=out["crossings"],
                         fall_fraction=0.5, stages=str(tmp_path / "stage_statistics.csv"),
                         energy=statistics)
    energy = drawn_figure(jobs.figure_energy, table=out["dynamics"], statistics=statistics,
                          task="kg", model="gpt", pdf=figures / "e.pdf", png=figures / "e.png")
    axes = panels(energy)
    assert len(axes) == 8 and legend_labels(axes[0]) == ["seed 0", "seed 1"]
    assert axes[2].get_xlabel() == "Dirichlet energy"
    assert axes[2].get_ylabel() == "held-out analogical accuracy"
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), _history(0)["dirichlet_energy"])
    assert axes[4].get_ylabel() == "raw energy\n(norm growth included)"
    # peak 2 at 10, final 1: below 1.5 from epoch 15; analogy crosses at 35 and 45
    falls = [line for line in axes[0].lines if line.get_marker() == "v"]
    assert [line.get_xdata()[0] for line in falls] == [15.0, 15.0]
    onsets = [line for line in axes[0].lines if line.get_marker() == "o"]
    assert [line.get_xdata()[0] for line in onsets] == [35.0, 45.0]
    assert not [line for line in axes[4].lines  # raw: rises (the legend's ▼ has no data)
                if line.get_marker() == "v" and len(line.get_xdata())]
    assert [t.get_text() for t in axes[7].get_xticklabels()] == [
        "normalised", "raw", "scaled", "centred"]
    points = [{"knob": "lr", "value": 1e-3, "task": "kg", "model": "gpt"},
              {"knob": "lr", "value": 1e-2, "task": "kg", "model": "gpt_lr_0p01"}]
    sweep = drawn_figure(jobs.figure_sweep, final=out["final"], points=points,
                         pdf=figures / "s.pdf", png=figures / "s.png")
    [ax] = panels(sweep)
    assert ax.get_xlabel() == "lr"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.01"]
    means = labelled_lines(ax)
    assert len(means) == len(SPLITS) and all(len(m.get_xdata()) == 2 for m in means)
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(SPLITS) * 2 * 2  # seeds
    mechanism = drawn_figure(jobs.figure_mechanism, mechanism=out["mechanism"],
                             dynamics=out["dynamics"], crossings=out["crossings"],
                             stages=out["stages"], task="kg", model="gpt",
                             pdf=figures / "m.pdf", png=figures / "m.png")
    axes = panels(mechanism)  # 4 rows of measures × 2 seeds
    assert len(axes) == 4 * 2
    assert suptitle(mechanism) == "analogy · kg · gpt: functor mechanism over training"
    assert {"L0 H0, ID prompts", "L0 H0, held-out prompts"} <= set(legend_labels(axes[3]))
    assert "parallelogram (s = x_e), ID prompts" in legend_labels(axes[5])
    chance = [line for line in axes[2].lines if line.get_label().startswith("chance")]
    assert len(chance) == 1 and list(chance[0].get_ydata()) == [0.5, 0.5]
    [band] = [c for c in axes[6].collections if c.get_label().startswith("permutation")]
    assert band.get_label() == "permutation null 95 %, r"  # no Spearman null logged here
    np.testing.assert_allclose(band.get_paths()[0].vertices[:, 1].min(), -0.4)
    onsets = [line for ax in axes for line in ax.lines if line.get_marker() == "^"]
    assert len(onsets) == 2 * 4  # attention, parallelism, parallelogram, Spearman; not flat r
    for name in ("d", "e", "s", "m"):
        for ext in ("pdf", "png"):
            assert (figures / f"{name}.{ext}").is_file()


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
