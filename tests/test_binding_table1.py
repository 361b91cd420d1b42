"""The binding paper's Table 1 cells, their rendering, and the Table 1 / L2 / variable-memory
claims on hand-made tables."""

import numpy as np
import pandas as pd
import pytest

from taskdyn.claims import FAILS, HOLDS, TOO_SMALL, study_claims
from taskdyn.studies.binding.analysis.table1 import (
    PAPER_TABLE1,
    paper_task,
    render_table1,
    table1_cells,
)
from taskdyn.studies.binding.settings import model_settings


def _models(rows, seeds=None):
    """Wide per-run rows: (task, hidden, l2, accuracy, error or None when counts differ), each
    its own seed unless `seeds` gives them."""
    seeds = range(len(rows)) if seeds is None else seeds
    return pd.DataFrame([{"task": t, "hidden": h, "l2": l2, "accuracy": acc, "seed": seed,
                          "spectral_error_projected": np.nan if err is None else err,
                          "counts_match_projected": float(err is not None)}
                         for seed, (t, h, l2, acc, err) in zip(seeds, rows, strict=True)])


def test_paper_task_names_the_anchors_tasks_only():
    assert paper_task([255, 0, 0], 8) == "T1"
    assert paper_task((9241421688590303745, 0, 0), 8) == "T3"
    assert paper_task([7, 0, 0], 3) is None
    assert len(PAPER_TABLE1) == 24


def test_cells_average_matched_seeds_and_compare_with_the_paper():
    cells = table1_cells(_models([
        ("T1", 128, 0.0, 1.00, 0.0004), ("T1", 128, 0.0, 0.98, None),  # one seed unmatched
        ("T1", 128, 0.1, 0.50, None), ("T1", 128, 0.1, 0.51, None),
        ("T1", 64, 0.0, 0.97, 0.01),  # the paper has "—" here
        ("X", 32, 0.0, 0.9, 0.1)]))  # not in the paper
    cell = cells.set_index(["task", "hidden", "l2"])
    best = cell.loc[("T1", 128, 0.0)]
    assert (best["seeds"], best["matched_seeds"]) == (2, 1)
    assert best["error"] == pytest.approx(0.0004) and best["accuracy"] == pytest.approx(0.99)
    assert best["paper_error"] == pytest.approx(0.0005) and best["agrees"]
    decayed = cell.loc[("T1", 128, 0.1)]
    assert np.isnan(decayed["error"]) and decayed["agrees"]  # "—" on both sides
    assert not cell.loc[("T1", 64, 0.0)]["agrees"]  # defined here, "—" in the paper
    assert np.isnan(cell.loc[("X", 32, 0.0)]["paper_accuracy"])
    text = render_table1(cells)
    assert "| T1 |" in text and "h128 L2 0.1" in text
    assert "0.0004 (0.99) · paper 0.0005 (1.00) · 1/2 seeds matched" in text
    assert "— (0.51) · paper — (0.50) · 0/2 seeds matched" in text
    assert "not in paper" in text


def test_a_seed_with_several_runs_counts_its_least_matched_error_and_best_accuracy():
    """As the anchor's table: per seed the minimum error and maximum accuracy over its runs
    (here two curriculum thresholds), then the mean over seeds."""
    cells = table1_cells(_models([("T1", 128, 0.0, 0.95, 0.002), ("T1", 128, 0.0, 1.0, None),
                                  ("T1", 128, 0.0, 0.99, 0.001), ("T1", 128, 0.0, 0.97, 0.003)],
                                 seeds=[0, 0, 1, 1]))
    cell = cells.iloc[0]
    assert (cell["seeds"], cell["matched_seeds"]) == (2, 2)
    assert cell["error"] == pytest.approx((0.002 + 0.001) / 2)
    assert cell["accuracy"] == pytest.approx((1.0 + 0.99) / 2)


def test_model_settings_merge_study_and_model_training():
    cfg = {"train": {"lr": 0.002, "curriculum": {"threshold": 0.9}},
           "models": {"a": {"latent_size": 64},
                      "b": {"latent_size": 128, "train": {"weight_decay": 0.1,
                                                          "curriculum": {"threshold": 0.98}}}}}
    assert model_settings(cfg) == {
        "a": {"hidden": 64.0, "l2": 0.0, "threshold": 0.9, "lr": 0.002},
        "b": {"hidden": 128.0, "l2": 0.1, "threshold": 0.98, "lr": 0.002}}


def _claim(claim_id):
    return next(c for c in study_claims("binding") if c.id == claim_id)


T1_CFG = {"tasks": {"t1": {"task_id": [255, 0, 0], "input_dim": 8, "seq_length": 8}},
          "models": {"rnn": {"type": "vanilla", "latent_size": 128}},
          "analyses": {"operator_spectra": {}, "comparison": {}, "variable_memories": {}}}


@pytest.mark.parametrize(("accuracy", "seeds", "verdict"), [
    (0.50, 20, HOLDS), (0.90, 20, FAILS), (0.50, 2, HOLDS)])
def test_l2_fails_claim(accuracy, seeds, verdict):
    cells = table1_cells(_models([("T1", 128, 0.1, accuracy, None)] * seeds))
    outcome = _claim("l2_fails").check({"table1.csv": cells}, T1_CFG)
    assert outcome.verdict == verdict
    assert f"T1 h128: accuracy {accuracy:.3f} ({seeds} seeds)" in outcome.measured


@pytest.mark.parametrize(("error", "seeds", "verdict"), [
    (0.0005, 20, TOO_SMALL),  # one cell of 24
    (None, 2, TOO_SMALL)])
def test_table1_claim_reports_agreement_cell_by_cell(error, seeds, verdict):
    cells = table1_cells(_models([("T1", 128, 0.0, 1.0, error)] * seeds))
    claim = _claim("table1")
    assert claim.tables(T1_CFG) == ["table1.csv"]
    outcome = claim.check({"table1.csv": cells}, T1_CFG)
    assert outcome.verdict == verdict
    agree = int(error is not None)
    assert outcome.measured.startswith(f"{agree} of 1 cells agree")
    assert "Table 1 cells: 1 (needs ≥ 24)" in outcome.scale


@pytest.mark.parametrize(("match", "accuracy", "verdict"), [
    (1.0, 0.999, HOLDS), (0.5, 0.999, FAILS), (1.0, 0.9, TOO_SMALL)])
def test_variable_memories_claim(match, accuracy, verdict):
    table = pd.DataFrame({"task": "t1", "model": "rnn", "seed": [0, 1], "accuracy": accuracy,
                          "operator_match": match, "operator_relative": 0.2,
                          "frobenius_relative": 0.3})
    claim = _claim("variable_memories")
    assert claim.tables(T1_CFG) == ["t1/variable_memories.csv"]
    assert claim.check({"t1/variable_memories.csv": table}, T1_CFG).verdict == verdict
