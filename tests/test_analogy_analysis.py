"""Dirichlet energy, threshold crossings and the analogy tables, on hand-computed cases."""

import math

import numpy as np
import pandas as pd
import pytest

from taskdyn.analysis.training_dynamics import arises_after, first_crossing
from taskdyn.studies.analogy.analysis.dirichlet import dirichlet_energy
from taskdyn.studies.analogy.jobs import dynamics_long, stage_order, threshold_crossings

# Four nodes; edges 0-1 at 60 degrees (scaled by 5), 2-3 parallel, 0-2 opposite.
EMBEDDINGS = np.array([[1.0, 0.0], [2.5, 2.5 * math.sqrt(3)], [0.0, 3.0], [0.0, 7.0]])
EDGES = np.array([[0, 1], [2, 3], [0, 2]])


def test_dirichlet_energy_by_hand():
    # normalised: |e0 - e1|² = 2 - 2 cos 60° = 1; |e2 - e3|² = 0; |e0 - e2|² = 2  →  mean 1
    assert dirichlet_energy(EMBEDDINGS, EDGES) == pytest.approx(1.0)
    # raw: |(1,0) - (2.5, 4.33)|² = 2.25 + 18.75 = 21; 16; 1 + 9 = 10  →  mean 47 / 3
    assert dirichlet_energy(EMBEDDINGS, EDGES, normalise=False) == pytest.approx(47 / 3)
    both_ways = np.concatenate([EDGES, EDGES[:, ::-1]])
    assert dirichlet_energy(EMBEDDINGS, both_ways) == pytest.approx(1.0)
    assert dirichlet_energy(EMBEDDINGS * 9.0, EDGES) == pytest.approx(1.0)  # scale-free
    with pytest.raises(ValueError, match="no edges"):
        dirichlet_energy(EMBEDDINGS, np.empty((0, 2)))


def test_first_crossing_and_order():
    epochs = np.array([0, 10, 20, 30, 40])
    assert first_crossing(epochs, np.array([0.0, 0.5, 0.95, 0.7, 1.0]), 0.9) == 20
    assert first_crossing(epochs[::-1], np.array([1.0, 0.7, 0.95, 0.5, 0.0]), 0.9) == 20
    assert math.isnan(first_crossing(epochs, np.full(5, 0.5), 0.9))
    crossings = {"composition": 20.0, "analogy": 30.0, "never": math.nan}
    assert arises_after(crossings, "analogy", "composition")
    assert not arises_after(crossings, "composition", "analogy")
    assert not arises_after(crossings, "never", "composition")
    assert not arises_after(crossings, "analogy", "analogy")


def _history(analogy):
    """A two-evaluation history in the study's wide layout."""
    return pd.DataFrame({
        "epoch": [0, 10, 20], "train_loss": [math.nan, 2.0, 1.0],
        "val_id_atomic_accuracy": [0.0, 1.0, 1.0],
        "val_near_ood_compositional_accuracy": [0.0, 0.95, 1.0],
        "val_ood_analogical_accuracy": analogy, "val_ood_analogical_prob": [0.1, 0.2, 0.3],
        "dirichlet_energy": [2.0, 1.5, 1.0]})


def test_dynamics_long_splits_columns_into_split_and_metric():
    long = dynamics_long(_history([0.0, 0.0, 1.0]))
    assert len(long) == 2 + 3 * 5
    row = long[(long["split"] == "ood_analogical") & (long["metric"] == "prob")]
    assert list(row["value"]) == [0.1, 0.2, 0.3]
    assert set(long.loc[long["split"] == "train", "metric"]) == {"loss"}
    assert set(long.loc[long["split"] == "functor", "metric"]) == {"dirichlet_energy"}


def test_crossings_and_stage_order_per_run():
    long = pd.concat([dynamics_long(_history(a)).assign(task="kg", model="gpt", seed=s)
                      for s, a in enumerate([[0.0, 0.0, 1.0], [0.0, 1.0, 0.5]])])
    crossings = threshold_crossings(long, 0.9)
    assert list(crossings["split"][:3]) == ["id_atomic", "near_ood_compositional",
                                            "ood_analogical"]
    seed1 = crossings[crossings["seed"] == 1].set_index("split")
    assert seed1.loc["ood_analogical", "epoch"] == 10
    assert seed1.loc["ood_analogical", "final_accuracy"] == 0.5
    stages = stage_order(crossings).set_index("seed")
    assert stages.loc[0, "analogy_epoch"] == 20 and stages.loc[0, "composition_epoch"] == 10
    assert list(stages["analogy_after_composition"]) == [True, False]
