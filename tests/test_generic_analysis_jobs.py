"""Known answers of the generic label-decoding and hidden-state-topology stages on synthetic
evaluation files in the common layout."""

from __future__ import annotations

import numpy as np
import pytest

from taskdyn import analysis_jobs, figure_jobs
from taskdyn.io import read_table, write_h5


def evaluation(path, hidden, labels, seed=0, model="rnn"):
    """A minimal common-layout evaluation file."""
    write_h5(path, {"hidden": hidden, "labels": labels},
             attrs={"study": "toy", "task": "t", "model": model, "seed": seed})
    return str(path)


def test_decoding_reads_a_coded_label_at_every_step_and_not_an_uncoded_one(tmp_path):
    rng = np.random.default_rng(0)
    n_trials, n_steps = 80, 6
    bit = rng.integers(0, 2, size=(n_trials, n_steps))
    bit[:, 0] = 0  # one class at the first step: its decoder cannot be fitted
    noise = rng.integers(0, 2, size=n_trials)  # a per-trial label the states do not carry
    hidden = rng.normal(0, 0.1, size=(n_trials, n_steps, 3))
    hidden[..., 0] += 2.0 * bit
    split = np.r_[np.zeros(60), np.ones(20)].astype(np.int8)
    path = evaluation(tmp_path / "eval.h5", hidden.astype(np.float32),
                      {"split": split, "bit0": bit.astype(np.int8), "noise": noise,
                       "mask": np.ones((n_trials, n_steps), np.float32)})
    table = tmp_path / "decoding.csv"
    analysis_jobs.decode_labels(
        evaluation=path, table=str(table),
        analysis={"labels": ["bit*", "noise"], "n_times": 6, "n_trials": 60,
                  "test_fraction": 0.5, "C": 1.0, "seed": 0})
    result = read_table(table)
    assert set(result["label"]) == {"bit0", "noise"}
    bit0 = result[result["label"] == "bit0"]
    assert bit0[bit0["train_step"] == 0]["accuracy"].isna().all()
    diagonal = bit0[(bit0["train_step"] == bit0["test_step"]) & (bit0["train_step"] > 0)]
    assert (diagonal["accuracy"] > 0.95).all()
    noise_acc = result[result["label"] == "noise"]["accuracy"]
    assert abs(noise_acc.mean() - 0.5) < 0.2
    assert (result["chance"] == 0.5).all() and set(result["study"]) == {"toy"}
    figure_jobs.figure_label_decoding(table=str(table), pdf=str(tmp_path / "d.pdf"),
                                      png=str(tmp_path / "d.png"))
    assert (tmp_path / "d.png").stat().st_size > 1000


def test_decoding_names_a_pattern_no_label_matches(tmp_path):
    path = evaluation(tmp_path / "eval.h5", np.zeros((4, 2, 1), np.float32),
                      {"split": np.zeros(4, np.int8), "bit0": np.zeros((4, 2), np.int8)})
    with pytest.raises(ValueError, match=r"no label matches 'input\*'.*\['bit0'\]"):
        analysis_jobs.decodable_labels(path, ["input*"])


def test_compared_steps_are_even_and_bounded():
    assert list(analysis_jobs.compared_steps(10, 4)) == [0, 3, 6, 9]
    assert list(analysis_jobs.compared_steps(3, 20)) == [0, 1, 2]


def test_hidden_topology_counts_clusters_and_compares_networks(tmp_path):
    rng = np.random.default_rng(1)

    def clustered(n_clusters, seed):
        centres = 10.0 * np.arange(n_clusters)[:, None] * np.ones((1, 2))
        points = centres[rng.integers(0, n_clusters, size=40)] + rng.normal(0, 0.05, (40, 2))
        hidden = points.reshape(4, 10, 2).astype(np.float32)
        return evaluation(tmp_path / f"seed{seed}.h5", hidden,
                          {"split": np.zeros(4, np.int8)}, seed=seed)

    paths = [clustered(2, 0), clustered(3, 1)]
    diagrams, distances = tmp_path / "diagrams.csv", tmp_path / "distances.csv"
    analysis_jobs.compute_hidden_topology(
        evaluations=paths, analysis={"n_trials": 4, "n_perm": 40, "maxdim": 1},
        diagrams_table=str(diagrams), distances_table=str(distances))
    bars = read_table(diagrams)
    h0 = bars[bars["dim"] == 0]
    long_lived = h0[h0["death"] - h0["birth"] > 5.0]  # the essential bar and one per gap
    assert long_lived.groupby("seed").size().to_dict() == {0: 2, 1: 3}
    pairs = read_table(distances)
    assert len(pairs) == 2 * 3  # two metrics × (H0, H1, all) for the one pair
    h0_distance = pairs.loc[pairs["dim"].astype(str) == "0", "value"]
    assert np.isfinite(h0_distance).all() and (h0_distance > 1.0).all()  # the extra cluster
