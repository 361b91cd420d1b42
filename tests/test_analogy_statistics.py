"""Stage and energy statistics across seeds, on hand-made curves and tables."""

import math

import numpy as np
import pandas as pd
import pytest

from taskdyn.io import read_table, write_table
from taskdyn.studies.analogy import jobs
from taskdyn.studies.analogy.analysis.dirichlet import energy_variants
from taskdyn.studies.analogy.analysis.statistics import (
    bootstrap_mean,
    fall_epoch,
    mean_gap,
    wilson_interval,
)
from taskdyn.studies.analogy.stages import energy_statistics, stage_statistics


def test_wilson_interval_known_values():
    # 8/8: centre (1 + z²/16) / (1 + z²/8), half-width z √(z²/256) / (1 + z²/8); z = 1.96
    low, high = wilson_interval(8, 8)
    assert low == pytest.approx(0.6756, abs=1e-4) and high == 1.0
    low, high = wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_bootstrap_mean_drops_nans_and_brackets_the_mean():
    mean, low, high = bootstrap_mean(np.array([1.0, 2.0, 3.0, np.nan]))
    assert mean == 2.0 and 1.0 <= low < 2.0 < high <= 3.0
    assert bootstrap_mean(np.array([4.0])) == (4.0, 4.0, 4.0)
    assert all(math.isnan(v) for v in bootstrap_mean(np.array([np.nan])))
    assert bootstrap_mean(np.arange(5.0)) == bootstrap_mean(np.arange(5.0))  # seeded


def test_fall_epoch_by_hand():
    epochs = np.arange(0, 70, 10)
    # peak 3 at 20, final 1: level 2; at or above it up to epoch 40 (2.0), below from 50
    values = np.array([2.0, 2.5, 3.0, 2.2, 2.0, 1.5, 1.0])
    assert fall_epoch(epochs, values) == 50
    assert fall_epoch(epochs[::-1], values[::-1]) == 50  # any order
    # a dip below the level that comes back above does not count: it must stay below
    assert fall_epoch(epochs, np.array([2.0, 3.0, 1.5, 2.5, 1.2, 1.1, 1.0])) == 40
    assert math.isnan(fall_epoch(epochs, np.linspace(1, 2, 7)))  # rises throughout
    wobble = np.r_[np.linspace(1, 2, 6), 1.98]  # drop 0.02 of a range of 1: no fall
    assert math.isnan(fall_epoch(epochs, wobble))
    assert fall_epoch(epochs, np.linspace(2, 1, 7)) == 40  # falls from the start: level 1.5


def test_mean_gap_is_the_area_between_curves_over_the_span():
    epochs = np.array([0.0, 10.0, 20.0])
    # reference 1 throughout, other 0, 0, 1: area 10·1 + 10·0.5 = 15 over 20 epochs
    assert mean_gap(epochs, np.ones(3), np.array([0.0, 0.0, 1.0])) == pytest.approx(0.75)
    assert mean_gap(epochs, np.ones(3), np.ones(3)) == 0.0
    assert math.isnan(mean_gap(epochs[:1], np.ones(1), np.ones(1)))


def test_energy_variants_by_hand():
    # two entities, one edge: x0 = (3, 0), x1 = (0, 4)
    x = np.array([[3.0, 0.0], [0.0, 4.0]])
    variants = energy_variants(x, np.array([[0, 1]]))
    assert variants["dirichlet_energy"] == pytest.approx(2.0)  # orthogonal unit vectors
    assert variants["dirichlet_energy_raw"] == pytest.approx(25.0)
    assert variants["dirichlet_energy_scaled"] == pytest.approx(25.0 / 12.5)
    # centred: (1.5, -2) and (-1.5, 2) point opposite ways
    assert variants["dirichlet_energy_centred"] == pytest.approx(4.0)
    grown = energy_variants(10 * x, np.array([[0, 1]]))
    assert grown["dirichlet_energy_raw"] == pytest.approx(2500.0)
    for name in ("dirichlet_energy", "dirichlet_energy_scaled", "dirichlet_energy_centred"):
        assert grown[name] == pytest.approx(variants[name])  # norm growth leaves them alone


EPOCHS = np.arange(0, 101, 10)


def _accuracy(onset: float) -> np.ndarray:
    return (EPOCHS >= onset).astype(float)


def _long(runs: dict[int, dict[str, float]], energy: dict[int, np.ndarray]) -> pd.DataFrame:
    """Long dynamics: per seed, step accuracy curves with the given onsets, and energy curves."""
    rows = []
    for seed, onsets in runs.items():
        for split, onset in onsets.items():
            rows += [{"task": "kg", "model": "gpt", "seed": seed, "epoch": e, "split": split,
                      "metric": "accuracy", "value": v} for e, v in zip(EPOCHS, _accuracy(onset))]
        for metric, scale in (("dirichlet_energy", 1.0), ("dirichlet_energy_raw", 100.0)):
            values = energy[seed] * (scale * (1 + EPOCHS / 10) if scale > 1 else 1)
            rows += [{"task": "kg", "model": "gpt", "seed": seed, "epoch": e,
                      "split": "functor", "metric": metric, "value": v}
                     for e, v in zip(EPOCHS, values)]
    return pd.DataFrame(rows)


RUNS = {  # seed → first epoch each fact type is at accuracy 1 (inf: never)
    0: {"id_atomic": 10, "near_ood_compositional": 30, "ood_analogical": 60},
    1: {"id_atomic": 10, "near_ood_compositional": 20, "ood_analogical": 80},
    2: {"id_atomic": 20, "near_ood_compositional": 50, "ood_analogical": 40},  # out of order
    3: {"id_atomic": 10, "near_ood_compositional": 30, "ood_analogical": np.inf},  # never
}
FALLING = np.r_[2.0, 2.2, 2.4, 2.0, 1.6, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0]  # peak 20, falls at 40
ENERGY = {0: FALLING, 1: FALLING, 2: FALLING, 3: np.linspace(1, 2, 11)}


def _tables():
    long = _long(RUNS, ENERGY)
    return long, jobs.threshold_crossings(long, 0.9)


def test_stage_statistics_per_seed_and_summary():
    long, crossings = _tables()
    table = stage_statistics(long, crossings)
    seeds = table[table["kind"] == "seed"].set_index("seed")
    assert list(seeds["ordered"]) == [1.0, 1.0, 0.0, 0.0]
    assert list(seeds["all_reached"]) == [1.0, 1.0, 1.0, 0.0]
    assert seeds.loc[2, "ood_analogical_epoch"] == 40 and seeds.loc[0, "id_atomic_epoch"] == 10
    assert math.isnan(seeds.loc[3, "ood_analogical_epoch"])
    assert list(seeds["composition_lag"]) == [20.0, 10.0, 30.0, 20.0]
    # seed 0: atomic at 1 from 10, composition from 30 → gap 1 over (10, 30) = 20 / 100 epochs
    assert seeds.loc[0, "composition_gap"] == pytest.approx(0.2)
    [summary] = table[table["kind"] == "summary"].to_dict("records")
    assert summary["n_seeds"] == 4 and summary["n_ordered"] == 2 and summary["ordered"] == 0.5
    assert (summary["ordered_low"], summary["ordered_high"]) == pytest.approx(
        wilson_interval(2, 4))
    assert summary["composition_lag"] == 20.0
    assert 10.0 <= summary["composition_lag_low"] < 20.0 < summary["composition_lag_high"]


def test_energy_statistics_fall_onset_and_lag():
    long, crossings = _tables()
    table = energy_statistics(long, crossings)
    seeds = table[(table["kind"] == "seed") & (table["variant"] == "dirichlet_energy")]
    seeds = seeds.set_index("seed")
    # peak 2.4 at 20, final 1.0: level 1.7, below it from epoch 40
    assert list(seeds["fall_epoch"][:3]) == [40.0, 40.0, 40.0]
    assert math.isnan(seeds.loc[3, "fall_epoch"])  # rises: never falls
    assert list(seeds["lag"][:3]) == [20.0, 40.0, 0.0]
    summary = table[(table["kind"] == "summary")].set_index("variant")
    assert summary.loc["dirichlet_energy", "lag"] == pytest.approx(20.0)
    assert summary.loc["dirichlet_energy", "n_falls"] == 3
    assert summary.loc["dirichlet_energy", "n_lags"] == 3
    # the raw energy grows with the norms (× 1 + epoch / 10): it never falls
    assert summary.loc["dirichlet_energy_raw", "n_falls"] == 0


def test_make_statistics_writes_both_tables(tmp_path):
    long, crossings = _tables()
    write_table(tmp_path / "d.csv", long, {"test": "yes"})
    write_table(tmp_path / "c.csv", crossings, {"test": "yes"})
    jobs.make_statistics(dynamics=str(tmp_path / "d.csv"), crossings=str(tmp_path / "c.csv"),
                         fall_fraction=0.5, stages=str(tmp_path / "s.csv"),
                         energy=str(tmp_path / "e.csv"))
    stages, energy = read_table(tmp_path / "s.csv"), read_table(tmp_path / "e.csv")
    assert set(stages["kind"]) == {"seed", "summary"} and len(stages) == 5
    assert len(energy) == 2 * 4 + 2
