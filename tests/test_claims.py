"""Claims: the verdict rules, the CtDB checks on hand-made tables (holds, fails, too small, not
measured), the fixed points at cube corners, the claims.csv writer, `taskdyn claims`, and the
default run's DAG."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from pipeline import REPO, prepare_pipeline

from taskdyn import cli
from taskdyn.claims import (
    COLUMNS,
    FAILS,
    HOLDS,
    NOT_MEASURED,
    TOO_SMALL,
    Outcome,
    at_least,
    claim_tables,
    combine,
    judge,
    read_claims,
    study_claims,
    write_claims,
)
from taskdyn.io import read_table, read_table_provenance, write_table
from taskdyn.studies.ctdb import claims as ctdb
from taskdyn.studies.ctdb.analysis import corner_codes, corner_summary

STUDIES = ("ctdb", "binding", "wm", "analogy", "thalamus")


# --- verdict rules -----------------------------------------------------------------------------


def test_judge_sample_shortfall_is_too_small_even_when_met():
    assert judge(True, [at_least("seeds", 2, 20)], "x").verdict == TOO_SMALL


def test_judge_budget_shortfall_only_matters_when_the_criterion_is_missed():
    budget = [at_least("epochs", 30, 500, budget=True)]
    assert judge(True, budget, "x").verdict == HOLDS
    assert judge(False, budget, "x").verdict == TOO_SMALL
    assert judge(False, [at_least("epochs", 500, 500, budget=True)], "x").verdict == FAILS
    assert judge(False, budget, "x").scale == "epochs: 30 (needs ≥ 500)"


def test_combine_fails_over_too_small_and_labels_each_part():
    outcome = combine({"a": Outcome("1", HOLDS, "s"), "b": Outcome("2", FAILS, "t"),
                       "c": Outcome("3", TOO_SMALL, "u")})
    assert outcome.verdict == FAILS
    assert outcome.measured == "a: 1; b: 2; c: 3"
    assert combine({"a": Outcome("1", HOLDS, ""), "b": Outcome("2", HOLDS, "")}).verdict == HOLDS
    assert combine({"a": Outcome("1", NOT_MEASURED, ""),
                    "b": Outcome("2", TOO_SMALL, "")}).verdict == TOO_SMALL


def test_outcome_rejects_unknown_verdicts():
    with pytest.raises(ValueError, match="verdict"):
        Outcome("1", "maybe", "")


# --- hand-made ctdb tables ---------------------------------------------------------------------


def _cfg(**analyses) -> dict:
    """A ctdb config slice: a 3-bit flip-flop, a MultiTask and a RandomTarget task; GRU and NODE."""
    return {"tasks": {"3bff": {"kind": "flipflop", "n_bits": 3},
                      "multitask": {"kind": "multitask"},
                      "randomtarget": {"kind": "randomtarget"}},
            "models": {"gru": {"type": "gru"}, "node": {"type": "node"}},
            "analyses": analyses}


def _metrics(task: str, epochs: int, accuracy=(0.995, 0.992)) -> pd.DataFrame:
    rows = []
    for model in ("gru", "node"):
        for seed, acc in enumerate(accuracy):
            rows += [{"study": "ctdb", "task": task, "model": model, "seed": seed,
                      "metric": "bit_accuracy", "value": acc},
                     {"study": "ctdb", "task": task, "model": model, "seed": seed,
                      "metric": "epochs", "value": float(epochs)}]
    return pd.DataFrame(rows)


def _check(claim_id: str, tables: dict, cfg: dict) -> Outcome:
    claim = next(c for c in ctdb.CLAIMS if c.id == claim_id)
    assert set(claim.tables(cfg)) <= set(tables), "the test feeds every declared table"
    return claim.check({k: tables[k] for k in claim.tables(cfg)}, cfg)


def _check_task(claim_id: str, cfg: dict, task: str, table: str, frame: pd.DataFrame,
                epochs: int) -> Outcome:
    """`_check` on `task`'s `table` (`frame`) and its metrics of models trained `epochs`."""
    return _check(claim_id, {f"{task}/{table}": frame,
                             f"{task}/metrics.csv": _metrics(task, epochs)}, cfg)


@pytest.mark.parametrize(("accuracy", "epochs", "verdict"), [
    ((0.995, 0.992), 500, HOLDS),
    ((0.995, 0.992), 30, HOLDS),  # met with less training: still met
    ((0.995, 0.98), 500, FAILS),  # every seed must pass
    ((0.995, 0.98), 30, TOO_SMALL),  # missed with fewer epochs than CtDB's 500
])
def test_flipflop_accuracy(accuracy, epochs, verdict):
    outcome = _check("flipflop_accuracy",
                     {"3bff/metrics.csv": _metrics("3bff", epochs, accuracy)}, _cfg())
    assert outcome.verdict == verdict
    assert f"gru/seed1 {accuracy[1]:.4f}" in outcome.measured
    assert f"mean {np.mean(accuracy):.4f}" in outcome.measured


def test_flipflop_accuracy_without_a_gru_is_too_small():
    cfg = _cfg()
    cfg["models"] = {"node": {"type": "node"}}
    outcome = _check("flipflop_accuracy", {"3bff/metrics.csv": _metrics("3bff", 500)}, cfg)
    assert outcome.verdict == TOO_SMALL
    assert "no GRU model" in outcome.scale


def _corners(n_corners: int, n_inits: int = 1024, qstar_max: float = 1e-12) -> pd.DataFrame:
    return pd.DataFrame([{"study": "ctdb", "task": "3bff", "model": "gru", "seed": seed,
                          "n_bits": 3, "n_points": 20, "n_stable": n_corners,
                          "n_stable_at_corners": n_corners, "n_corners": n_corners,
                          "n_unstable": 20 - n_corners, "n_saddles": 12,
                          "qstar_max": qstar_max, "n_inits": n_inits, "tolerance": 0.25}
                         for seed in (0, 1)])


@pytest.mark.parametrize(("corners", "n_inits", "epochs", "qstar", "verdict"), [
    (8, 1024, 500, 1e-12, HOLDS),
    (8, 256, 30, 1e-12, HOLDS),
    (6, 1024, 500, 1e-12, FAILS),
    (8, 1024, 500, 1e-3, FAILS),  # q* above the tutorial's 1e-5
    (6, 256, 500, 1e-12, TOO_SMALL),  # fewer initial states than CtDB's 1024
    (6, 1024, 30, 1e-12, TOO_SMALL),
])
def test_flipflop_fixed_points(corners, n_inits, epochs, qstar, verdict):
    outcome = _check_task("flipflop_fixed_points", _cfg(fixed_points={}), "3bff",
                          "fixed_point_corners.csv", _corners(corners, n_inits, qstar), epochs)
    assert outcome.verdict == verdict
    assert f"gru/seed0: {corners} stable ({corners} at corners) hitting {corners} of 8 corners" \
        in outcome.measured


def test_flipflop_fixed_points_not_enabled_is_not_measured():
    cfg = _cfg()
    assert "3bff/fixed_point_corners.csv" not in claim_tables("ctdb", cfg)
    outcome = _check("flipflop_fixed_points", {"3bff/metrics.csv": _metrics("3bff", 500)}, cfg)
    assert outcome.verdict == NOT_MEASURED
    assert "analyses.fixed_points" in outcome.scale


def _state_r2(forward: float, backward: float, latents: str) -> pd.DataFrame:
    rows = [{"source": f"{a}/seed{s}", "target": f"{b}/seed{t}", "source_model": a,
             "target_model": b, "pc": "all", "r2": r2}
            for a, b, r2 in (("gru", "node", forward), ("node", "gru", backward))
            for s in (0, 1) for t in (0, 1)]
    rows.append({**rows[0], "pc": "1", "r2": 0.1})  # a per-PC row the claim must not average
    frame = pd.DataFrame(rows)
    frame.attrs["provenance"] = {"n_components": latents}
    return frame


@pytest.mark.parametrize(("forward", "backward", "latents", "epochs", "verdict"), [
    (0.95, 0.60, "all", 500, HOLDS),
    (0.95, 0.97, "all", 500, FAILS),  # the NODE explains the GRU as well: no penalty seen
    (0.80, 0.60, "all", 500, FAILS),  # GRU → NODE not high
    (0.80, 0.60, "all", 30, TOO_SMALL),
    (0.95, 0.60, "3", 500, NOT_MEASURED),  # the table is on 3 PCs, not the full latents
])
def test_state_r2_direction(forward, backward, latents, epochs, verdict):
    outcome = _check_task("state_r2_direction", _cfg(state_r2={}), "3bff", "state_r2.csv",
                          _state_r2(forward, backward, latents), epochs)
    assert outcome.verdict == verdict
    assert f"GRU→NODE {forward:.3f}, NODE→GRU {backward:.3f}" in outcome.measured
    if latents == "3":
        assert "top 3 PCs" in outcome.measured
        assert "n_components: all" in outcome.scale


def test_state_r2_without_a_node_is_too_small():
    cfg = _cfg(state_r2={})
    cfg["models"] = {"gru": {"type": "gru"}, "lstm": {"type": "lstm"}}
    outcome = _check_task("state_r2_direction", cfg, "3bff", "state_r2.csv",
                          _state_r2(0.9, 0.5, "all"), 500)
    assert outcome.verdict == TOO_SMALL
    assert "no NODE model" in outcome.scale


def _multitask(success: float, n_trials: int) -> pd.DataFrame:
    return pd.DataFrame([{"study": "ctdb", "task": "multitask", "model": "gru", "seed": seed,
                          "subtask": subtask, "n_trials": n_trials, "metric": "success_rate",
                          "value": success if subtask != "MemoryAnti" else min(success, 0.95)}
                         for seed in (0, 1) for subtask in ("DelayPro", "MemoryAnti")])


@pytest.mark.parametrize(("success", "n_trials", "epochs", "verdict"), [
    (0.97, 200, 500, HOLDS),
    (0.50, 200, 500, FAILS),
    (0.50, 200, 20, TOO_SMALL),
    (0.97, 2, 500, TOO_SMALL),  # the tiny default: 2 held-out trials per subtask
])
def test_multitask_success(success, n_trials, epochs, verdict):
    outcome = _check_task("multitask_success", _cfg(), "multitask", "multitask_performance.csv",
                          _multitask(success, n_trials), epochs)
    assert outcome.verdict == verdict
    assert "2 subtasks" in outcome.measured


def test_multitask_success_needs_every_subtask_above_the_floor():
    """A high mean does not hide one subtask the network cannot do."""
    names = ["DelayPro", "DelayAnti", "MemoryPro", "MemoryAnti", "ReactPro", "ReactAnti",
             "IntMod1", "IntMod2", "Match2Sample", "NonMatch2Sample"]
    frame = pd.DataFrame([{"study": "ctdb", "task": "multitask", "model": "gru", "seed": seed,
                           "subtask": name, "n_trials": 200, "metric": "success_rate",
                           "value": 0.5 if name == "IntMod2" else 1.0}
                          for seed in (0, 1) for name in names])
    outcome = _check_task("multitask_success", _cfg(), "multitask", "multitask_performance.csv",
                          frame, 500)
    assert outcome.verdict == FAILS
    assert "success 0.95 averaged over 10 subtasks" in outcome.measured
    assert "lowest: IntMod2 0.50" in outcome.measured


def _reaching(error: float, n_trials: int) -> pd.DataFrame:
    """Per GRU seed and condition: median end-point error `error`, and a mean (late go cues)
    and a catch-trial error far above it, which the claim must not read."""
    return pd.DataFrame([{"study": "ctdb", "task": "randomtarget", "model": "gru", "seed": seed,
                          "condition": condition, "metric": metric, "n_trials": n_trials,
                          "value": 0.5 if metric == "end_error_m" or condition == "catch"
                          else error}
                         for seed in (0, 1)
                         for condition in ("reach", "reach_bumped", "non_catch", "catch")
                         for metric in ("end_error_m", "median_end_error_m")])


@pytest.mark.parametrize(("error", "n_trials", "epochs", "verdict"), [
    (0.01, 100, 2000, HOLDS),
    (0.10, 100, 2000, FAILS),
    (0.10, 100, 15, TOO_SMALL),
    (0.01, 4, 2000, TOO_SMALL),
])
def test_randomtarget_reaching(error, n_trials, epochs, verdict):
    outcome = _check_task("randomtarget_reaching", _cfg(), "randomtarget", "reaching.csv",
                          _reaching(error, n_trials), epochs)
    assert outcome.verdict == verdict
    assert f"gru/seed1 {100 * error:.1f} cm" in outcome.measured
    assert f"reach {100 * error:.1f} cm, reach_bumped {100 * error:.1f} cm" in outcome.measured


def _by_phase(stable_in_memory: int, n_starts: int = 2048) -> pd.DataFrame:
    """Per seed, subtask and phase: 2 stable points outside memory phases, `stable_in_memory`
    in MemoryAnti's mem1 (DelayPro has no memory phase)."""
    phases = {"DelayPro": ["context", "stim1", "response"],
              "MemoryAnti": ["context", "stim1", "mem1", "response"]}
    return pd.DataFrame([
        {"study": "ctdb", "task": "multitask", "model": "gru", "seed": seed, "subtask": subtask,
         "phase": phase, "memory_phase": phase == "mem1", "n_starts": n_starts,
         "n_points": 3, "n_stable": stable_in_memory if phase == "mem1" else 2,
         "n_unstable": 1, "max_abs_eig": 1.2, "max_abs_eig_stable": 0.99, "qstar_max": 1e-12}
        for seed in (0, 1) for subtask, names in phases.items() for phase in names])


PER_PHASE = {"fixed_points": {"inputs": "per_phase"}}


@pytest.mark.parametrize(("stable", "success", "n_starts", "epochs", "verdict"), [
    (1, 0.97, 2048, 500, HOLDS),
    (0, 0.97, 2048, 500, FAILS),  # a memory phase without a stable point
    (0, 0.97, 256, 20, TOO_SMALL),  # missed with fewer starts and epochs than CtDB's
    (1, 0.97, 256, 20, HOLDS),  # met with less: still met
    (1, 0.50, 2048, 500, TOO_SMALL),  # the GRU does not solve the task: no verdict
    (0, 0.50, 2048, 500, TOO_SMALL),
])
def test_multitask_fixed_points(stable, success, n_starts, epochs, verdict):
    tables = {"multitask/fixed_points_by_phase.csv": _by_phase(stable, n_starts),
              "multitask/multitask_performance.csv": _multitask(success, 200),
              "multitask/metrics.csv": _metrics("multitask", epochs)}
    outcome = _check("multitask_fixed_points", tables, _cfg(**PER_PHASE))
    assert outcome.verdict == verdict
    assert f"MemoryAnti mem1 {stable}" in outcome.measured


def test_multitask_fixed_points_at_zero_input_are_not_measured():
    outcome = _check("multitask_fixed_points", {}, _cfg(fixed_points={"inputs": "zero"}))
    assert outcome.verdict == NOT_MEASURED
    assert "per_phase" in outcome.scale
    assert _check("multitask_fixed_points", {}, _cfg()).verdict == NOT_MEASURED


# --- fixed points at the cube's corners --------------------------------------------------------


def test_corner_codes_and_summary():
    readout = np.array([[0.02, 0.97, 0.1],  # corner 010 → 2
                        [0.98, 0.9, 0.95],  # corner 111 → 7
                        [0.01, 0.99, -0.05],  # corner 2 again
                        [0.5, 0.0, 1.0],  # between corners
                        [0.0, 1.6, 0.0]])  # off the cube (rounds to 2)
    assert corner_codes(readout).tolist() == [2, 7, 2, -1, -1]
    eigvals = np.array([[0.9, 0.5], [0.8, 0.1], [0.99, 0.2], [1.3, 0.4], [1.2, 1.1]])
    qstar = np.array([1e-14, 2e-13, 1e-12, 3e-11, 1e-13])
    summary = corner_summary(readout, eigvals, qstar, n_bits=3)
    assert summary == {"n_points": 5, "n_stable": 3, "n_stable_at_corners": 3, "n_corners": 2,
                       "n_unstable": 2, "n_saddles": 1, "qstar_max": 3e-11}
    with pytest.raises(ValueError, match="3 outputs"):
        corner_summary(readout, eigvals, qstar, n_bits=2)


# --- the writer and the CLI --------------------------------------------------------------------


def _ctdb_tables(root, epochs=30):
    """Hand-made tables of every table the default ctdb config's claims read."""
    cfg = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["studies"]["ctdb"]
    frames = {"3bff/metrics.csv": _metrics("3bff", epochs),
              "3bff/fixed_point_corners.csv": _corners(8),
              "3bff/state_r2.csv": _state_r2(0.9, 0.9, "3"),
              "multitask/metrics.csv": _metrics("multitask", epochs),
              "multitask/multitask_performance.csv": _multitask(0.3, 2),
              "randomtarget/metrics.csv": _metrics("randomtarget", epochs),
              "randomtarget/reaching.csv": _reaching(0.2, 4)}
    assert set(claim_tables("ctdb", cfg)) == set(frames)
    for rel, frame in frames.items():
        extra = frame.attrs.get("provenance", {})
        write_table(root / rel, frame, {"code_version": "test", **extra})
    return cfg


def test_write_claims_columns_and_provenance(tmp_path):
    tables = tmp_path / "results" / "demo" / "tables" / "ctdb"
    cfg = _ctdb_tables(tables)
    out = tables / "claims.csv"
    write_claims(study="ctdb", cfg=cfg, tables_dir=str(tables), table=str(out))
    frame = read_table(out)
    assert list(frame.columns) == list(COLUMNS)
    assert frame["claim"].tolist() == [c.id for c in ctdb.CLAIMS]
    verdicts = dict(zip(frame["claim"], frame["verdict"], strict=True))
    assert verdicts == {"flipflop_accuracy": HOLDS, "flipflop_fixed_points": HOLDS,
                        "state_r2_direction": NOT_MEASURED, "multitask_success": TOO_SMALL,
                        "multitask_fixed_points": NOT_MEASURED,
                        "randomtarget_reaching": TOO_SMALL}
    header = read_table_provenance(out)
    assert header["study"] == "ctdb"
    assert "3bff/fixed_point_corners.csv" in header["tables"]


def test_cli_prints_one_table_per_study(tmp_path, capsys):
    run = tmp_path / "results" / "demo"
    cfg = _ctdb_tables(run / "tables" / "ctdb")
    write_claims(study="ctdb", cfg=cfg, tables_dir=str(run / "tables" / "ctdb"),
                 table=str(run / "tables" / "ctdb" / "claims.csv"))
    write_table(run / "tables" / "thalamus" / "claims.csv",
                pd.DataFrame([{"claim": "oracle_ceiling", "statement": "s", "paper": "p",
                               "measured": "—", "verdict": NOT_MEASURED, "scale": "no oracle"}]),
                {})
    assert set(read_claims(run)) == {"ctdb", "thalamus"}
    assert cli.main(["claims", str(run)]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "ctdb: 6 claims (2 holds, 0 fails, 2 too small, 2 not measured)" in out
    assert "thalamus: 1 claims (0 holds, 0 fails, 0 too small, 1 not measured)" in out
    assert out.index("ctdb:") < out.index("thalamus:")
    for claim in ctdb.CLAIMS:
        assert claim.id in out
    assert re.search(r"\nrandomtarget_reaching +too small +CtDB reports", out)


def test_cli_without_claims_is_an_error(tmp_path, capsys):
    assert cli.main(["claims", str(tmp_path)]) == cli.EXIT_ERROR
    assert "no tables/<study>/claims.csv" in capsys.readouterr().err


# --- every study declares its claims -----------------------------------------------------------


@pytest.mark.parametrize("study", STUDIES)
def test_every_study_declares_its_claims(study):
    claims = study_claims(study)
    ids = [c.id for c in claims]
    assert len(ids) == len(set(ids)) >= 4
    for claim in claims:
        assert claim.statement and claim.paper


def test_default_run_dag_includes_every_studys_claims(tmp_path):
    plan = prepare_pipeline(tmp_path, REPO / "config" / "config.yaml").snakemake("-n").output
    for study in STUDIES:
        assert f"results/default/tables/{study}/claims.csv" in plan
    assert "results/default/tables/ctdb/3bff/fixed_point_corners.csv" in plan


# --- the other studies' checks on hand-made tables ---------------------------------------------


def _claim(study: str, claim_id: str):
    return next(c for c in study_claims(study) if c.id == claim_id)


@pytest.mark.parametrize(("size", "broken", "verdict"), [
    (8, False, HOLDS), (8, True, FAILS), (3, False, TOO_SMALL)])
def test_binding_t1_operator(size, broken, verdict):
    roots = np.exp(2j * np.pi * np.arange(size * size) / size)  # s·d roots of order s
    if broken:
        roots[0] = 0.5
    frame = pd.DataFrame({"task": "t1", "model": "rnn", "seed": 0, "spectrum": "theory",
                          "re": roots.real, "im": roots.imag})
    cfg = {"tasks": {"t1": {"task_id": [2 ** size - 1, 0, 0], "input_dim": size,
                            "seq_length": size}},
           "models": {"rnn": {"type": "vanilla"}}, "analyses": {"operator_spectra": {}}}
    claim = _claim("binding", "t1_operator")
    assert claim.tables(cfg) == ["t1/binding_eigenvalues.csv"]
    outcome = claim.check({"t1/binding_eigenvalues.csv": frame}, cfg)
    assert outcome.verdict == verdict
    n_roots = size * size - broken
    assert outcome.measured.startswith(f"{n_roots} of {size * size} operator eigenvalues")


def _analogy(reached_by_lr: dict, seeds: int, epochs: int) -> tuple[dict, dict]:
    """threshold_epochs.csv of an lr sweep: {lr: analogy reached?}, `seeds` seeds each."""
    models = {f"gpt{i}": {"d_model": 64, "n_layer": 1, "train": {"lr": lr}}
              for i, lr in enumerate(reached_by_lr)}
    rows = [{"task": "kg", "model": f"gpt{i}", "seed": seed, "split": split, "threshold": 0.9,
             "epoch": (10.0 + i if reached else np.nan) if split == "ood_analogical" else 4.0,
             "final_accuracy": 1.0 if reached or split != "ood_analogical" else 0.2}
            for i, reached in enumerate(reached_by_lr.values()) for seed in range(seeds)
            for split in ("ood_analogical", "near_ood_compositional")]
    cfg = {"tasks": {"kg": {"num_entities": 10, "num_relations": 100,
                            "analogical_ood_ratio": 0.4}},
           "models": models, "train": {"epochs": epochs, "weight_decay": 0.0, "batch_size": 64}}
    return {"threshold_epochs.csv": pd.DataFrame(rows)}, cfg


@pytest.mark.parametrize(("reached", "seeds", "epochs", "verdict"), [
    ((True, True, False), 3, 1000, HOLDS),
    ((True, True, True), 3, 1000, FAILS),
    ((True, True, True), 3, 150, TOO_SMALL),
    ((True, True, False), 1, 1000, TOO_SMALL),  # one seed per learning rate
])
def test_analogy_learning_rate(reached, seeds, epochs, verdict):
    tables, cfg = _analogy(dict(zip((1e-4, 1e-3, 1e-1), reached, strict=True)), seeds, epochs)
    outcome = _claim("analogy", "learning_rate").check(tables, cfg)
    assert outcome.verdict == verdict
    assert f"0.1: {seeds * reached[-1]}/{seeds} reach analogy" in outcome.measured


def _analogy_task_sweep(knob: str, epoch_by_value: dict, seeds: int = 3) -> tuple[dict, dict]:
    """threshold_epochs.csv of a task-knob sweep: {value: analogy epoch (NaN: never)}."""
    base = {"num_entities": 10, "num_relations": 100, "analogical_ood_ratio": 0.4}
    tasks = {f"kg{i}": {**base, knob: value} for i, value in enumerate(epoch_by_value)}
    rows = [{"task": f"kg{i}", "model": "gpt", "seed": seed, "split": split, "threshold": 0.9,
             "epoch": epoch if split == "ood_analogical" else 4.0,
             "final_accuracy": 1.0 if np.isfinite(epoch) or split != "ood_analogical" else 0.2}
            for i, epoch in enumerate(epoch_by_value.values()) for seed in range(seeds)
            for split in ("ood_analogical", "near_ood_compositional")]
    cfg = {"tasks": tasks, "models": {"gpt": {"d_model": 64, "n_layer": 1}},
           "train": {"epochs": 1000, "lr": 1e-4, "weight_decay": 0.0, "batch_size": 64}}
    return {"threshold_epochs.csv": pd.DataFrame(rows)}, cfg


@pytest.mark.parametrize(("claim", "knob", "values", "epochs", "verdict"), [
    ("entity_count", "num_entities", (10, 20, 40), (20.0, 40.0, 80.0), HOLDS),
    ("entity_count", "num_entities", (10, 20, 40), (80.0, 40.0, 20.0), FAILS),
    ("entity_count", "num_entities", (10, 40), (20.0, np.nan), HOLDS),  # rarer counts first
    ("analogical_ood_ratio", "analogical_ood_ratio", (0.2, 0.6), (30.0, 90.0), HOLDS),
    ("analogical_ood_ratio", "analogical_ood_ratio", (0.2, 0.6), (90.0, 30.0), FAILS),
])
def test_analogy_task_knob_claims(claim, knob, values, epochs, verdict):
    tables, cfg = _analogy_task_sweep(knob, dict(zip(values, epochs, strict=True)))
    outcome = _claim("analogy", claim).check(tables, cfg)
    assert outcome.verdict == verdict
    assert outcome.measured.startswith(f"{knob} {values[0]:g}: 3/3 reach analogy")
    tables, cfg = _analogy_task_sweep(knob, dict(zip(values, epochs, strict=True)), seeds=2)
    assert _claim("analogy", claim).check(tables, cfg).verdict == TOO_SMALL


def test_analogy_knob_claims_count_the_runs_that_exist():
    # a sweep whose points do not cross, with fewer seeds than the base: no phantom runs of
    # task × model × seed combinations that were never trained
    tables, cfg = _analogy_task_sweep("num_entities", {10: 20.0, 20: np.nan}, seeds=8)
    frame = tables["threshold_epochs.csv"]
    keep = (frame["task"] == "kg0") | (frame["seed"] < 3)
    cfg["models"]["other"] = {"d_model": 64, "n_layer": 2}
    other = frame[frame["task"] == "kg0"].assign(model="other")
    tables = {"threshold_epochs.csv": pd.concat([frame[keep], other], ignore_index=True)}
    outcome = _claim("analogy", "entity_count").check(tables, cfg)
    assert outcome.measured == ("num_entities 10: 8/8 reach analogy (mean epoch 20); 20: 0/3 "
                                "reach analogy")
    assert outcome.verdict == HOLDS


def _analogy_stages(ordered: list[bool], epochs: int) -> tuple[dict, dict]:
    """stage_statistics.csv from the stage tables of seeds in order or not (out of order:
    analogy before composition)."""
    from taskdyn.studies.analogy.stages import stage_statistics

    crossings = pd.DataFrame([
        {"task": "kg", "model": "gpt", "seed": seed, "split": split, "threshold": 0.9,
         "epoch": epoch, "final_accuracy": 1.0}
        for seed, in_order in enumerate(ordered)
        for split, epoch in (("id_atomic", 10.0), ("near_ood_compositional", 30.0),
                             ("ood_analogical", 60.0 if in_order else 20.0))])
    long = crossings.assign(epoch=0, metric="accuracy", value=0.0)
    cfg = {"models": {"gpt": {}}, "train": {"epochs": epochs}}
    return {"stage_statistics.csv": stage_statistics(long, crossings)}, cfg


@pytest.mark.parametrize(("ordered", "epochs", "verdict"), [
    ([True] * 8, 1000, HOLDS),
    ([True] * 7 + [False], 1000, HOLDS),  # 7/8: Wilson [0.53, 0.98]
    ([True] * 6 + [False] * 2, 1000, FAILS),  # 6/8: Wilson [0.41, 0.93]
    ([True] * 4, 1000, TOO_SMALL),  # fewer than 8 seeds
])
def test_analogy_stage_ordering(ordered, epochs, verdict):
    tables, cfg = _analogy_stages(ordered, epochs)
    outcome = _claim("analogy", "stage_ordering").check(tables, cfg)
    assert outcome.verdict == verdict
    assert f"{sum(ordered)} of {len(ordered)} seeds in the order" in outcome.measured
    assert "held-out composition after memorisation by 20 epochs" in outcome.measured


def _analogy_energy(falls: list[float], analogy: list[float], epochs: int = 1000):
    """energy_statistics.csv with the given fall and analogy epochs for every norm-controlled
    variant (NaN fall: the energy rises to its last epoch)."""
    from taskdyn.studies.analogy.stages import energy_statistics

    grid = np.arange(0, 101, 10)
    long = pd.DataFrame([
        {"task": "kg", "model": "gpt", "seed": seed, "epoch": e, "split": "functor",
         "metric": variant, "value": (2.0 if np.isnan(fall) else 1.0) + e / 100
         if np.isnan(fall) or e < fall else 0.0}
        for seed, fall in enumerate(falls) for e in grid
        for variant in ("dirichlet_energy", "dirichlet_energy_scaled",
                        "dirichlet_energy_centred")])
    crossings = pd.DataFrame([{"task": "kg", "model": "gpt", "seed": seed,
                               "split": "ood_analogical", "epoch": epoch}
                              for seed, epoch in enumerate(analogy)])
    cfg = {"models": {"gpt": {}}, "train": {"epochs": epochs}}
    return {"energy_statistics.csv": energy_statistics(long, crossings)}, cfg


@pytest.mark.parametrize(("falls", "analogy", "epochs", "verdict", "says"), [
    ([30.0] * 8, [50.0, 60.0] * 4, 1000, HOLDS, "falls in 8 of 8 seeds"),
    ([30.0] * 8, [30.0, 20.0] * 4, 1000, FAILS, "does not exclude 0"),
    ([np.nan] * 8, [50.0] * 8, 1000, FAILS, "does not fall in 8 of 8 seeds"),
    ([np.nan] * 8, [50.0] * 8, 150, TOO_SMALL, "does not fall"),
    ([30.0] * 4, [50.0] * 4, 1000, TOO_SMALL, "falls in 4 of 4"),
])
def test_analogy_dirichlet_energy(falls, analogy, epochs, verdict, says):
    tables, cfg = _analogy_energy(falls, analogy, epochs)
    outcome = _claim("analogy", "dirichlet_energy").check(tables, cfg)
    assert outcome.verdict == verdict
    assert says in outcome.measured
    for variant in ("dirichlet_energy:", "dirichlet_energy_scaled:", "dirichlet_energy_centred:"):
        assert f"kg/gpt {variant}" in outcome.measured


@pytest.mark.parametrize(("error", "n_train", "verdict"), [
    (40.0, 1000, HOLDS), (60.0, 1000, FAILS), (40.0, 150, TOO_SMALL)])
def test_thalamus_published_baselines(error, n_train, verdict):
    cfg = {"data": {"source": "generate", "generate": {"n_train": n_train}},
           "tasks": {"qa1": {"babi_tasks": [1]}},
           "models": {"thalamus": {"type": "thalamus", "gate": "topk"}}}
    frame = pd.DataFrame([{"config": "qa1", "model": "thalamus", "seed": 0, "babi_task": 1,
                           "accuracy": 1 - error / 100, "error_pct": error,
                           "ref_lstm_error_pct": 50.0, "ref_memn2n_error_pct": 0.0}])
    outcome = _claim("thalamus", "published_baselines").check({"qa1/accuracy.csv": frame}, cfg)
    assert outcome.verdict == verdict
    assert "generated data" in outcome.scale


def _gate_rows(model, gate, k, values, accuracy=0.7):
    """Per-seed gate-comparison rows whose sentence recall and far accuracy are `values`."""
    return [{"config": "qa1", "model": model, "seed": seed, "gate": gate, "k": k,
             "babi_task": 1, "accuracy": accuracy, "sentence_recall": v, "accuracy_far": v}
            for seed, v in enumerate(values)]


THALAMUS_CFG = {"tasks": {"qa1": {"babi_tasks": [1]}}}


@pytest.mark.parametrize(("learned", "last_k", "verdict"), [
    ([0.90, 0.91, 0.92], [0.60, 0.62, 0.61], HOLDS),     # disjoint intervals
    ([0.70, 0.90, 0.80], [0.70, 0.72, 0.74], FAILS),     # higher mean, overlapping intervals
    ([0.50, 0.51, 0.52], [0.60, 0.62, 0.61], FAILS),     # recency wins
    ([0.90, 0.91], [0.60, 0.62], TOO_SMALL)])            # two seeds
def test_thalamus_selection_beyond_recency(learned, last_k, verdict):
    n = len(learned)
    frame = pd.DataFrame(_gate_rows("thalamus", "learned", 12, learned)
                         + _gate_rows("last", "last_k", 12, last_k)
                         + _gate_rows("random", "random_k", 12, [0.3, 0.31, 0.29][:n])
                         + _gate_rows("last6", "last_k", 6, [0.99] * n)  # another k: ignored
                         + _gate_rows("no_gate", "none", None, [1.0] * n))
    outcome = _claim("thalamus", "selection_beyond_recency").check(
        {"qa1/gate_comparison.csv": frame}, THALAMUS_CFG)
    assert outcome.verdict == verdict
    assert "qa1 k = 12, sentence recall: thalamus" in outcome.measured
    assert "last6" not in outcome.measured and "no_gate" not in outcome.measured


def test_thalamus_recency_without_both_baselines_is_too_small():
    frame = pd.DataFrame(_gate_rows("thalamus", "learned", 12, [0.9] * 3)
                         + _gate_rows("last", "last_k", 12, [0.5] * 3))
    outcome = _claim("thalamus", "selection_beyond_recency").check(
        {"qa1/gate_comparison.csv": frame}, THALAMUS_CFG)
    assert outcome.verdict == TOO_SMALL and "random_k" in outcome.scale


@pytest.mark.parametrize(("oracle", "seeds", "verdict"), [
    (0.99, 3, HOLDS), (0.60, 3, FAILS), (0.99, 1, TOO_SMALL)])
def test_thalamus_oracle_ceiling(oracle, seeds, verdict):
    frame = pd.DataFrame(_gate_rows("thalamus", "learned", 12, [0.8] * seeds, accuracy=0.8)
                         + _gate_rows("oracle", "oracle", 12, [1.0] * seeds, accuracy=oracle))
    outcome = _claim("thalamus", "oracle_ceiling").check({"qa1/gate_comparison.csv": frame},
                                                         THALAMUS_CFG)
    assert outcome.verdict == verdict


def _swap_tables(drops, overlap=0.6, tasks=(1, 6)):
    """Task-swap and gate-overlap rows of a learned-gate reader and a last_k reader: per seed,
    accuracy 0.9 under the true id and 0.9 - drop under a wrong one."""
    swap, kept = [], []
    for seed, drop in enumerate(drops):
        for true in tasks:
            for given in tasks:
                right = true == given
                for model in ("thalamus", "last_k"):
                    swap.append({"config": "mt", "model": model, "seed": seed, "true_task": true,
                                 "given_task": given, "n_questions": 100,
                                 "accuracy": 0.9 if right or model == "last_k" else 0.9 - drop})
                kept.append({"config": "mt", "model": "thalamus", "seed": seed,
                             "true_task": true, "given_task": given, "n_questions": 100,
                             "overlap": 1.0 if right else overlap, "accuracy": 0.9})
    return {"mt/task_swap.csv": pd.DataFrame(swap), "mt/gate_overlap.csv": pd.DataFrame(kept)}


SWAP_CFG = {"tasks": {"mt": {"babi_tasks": [1, 6]}},
            "models": {"thalamus": {"type": "thalamus", "gate": "topk"},
                       "last_k": {"type": "thalamus", "gate": "last_k"}}}


@pytest.mark.parametrize(("drops", "overlap", "verdict"), [
    ([0.30, 0.32, 0.28], 0.6, HOLDS),        # a clear drop, different tokens kept
    ([0.30, -0.30, 0.02], 0.6, FAILS),       # the drop's interval spans 0
    ([0.30, 0.32, 0.28], 1.0, FAILS),        # a drop, but the same tokens kept
    ([0.30, 0.32], 0.6, TOO_SMALL)])         # two seeds
def test_thalamus_task_conditioning(drops, overlap, verdict):
    claim = _claim("thalamus", "task_conditioning")
    assert claim.tables(SWAP_CFG) == ["mt/task_swap.csv", "mt/gate_overlap.csv"]
    outcome = claim.check(_swap_tables(drops, overlap), SWAP_CFG)
    assert outcome.verdict == verdict
    assert outcome.measured.startswith("thalamus: right id 0.900") and "last_k" not in \
        outcome.measured  # only the learned gate is judged


def test_thalamus_task_conditioning_needs_several_tasks():
    single = {**SWAP_CFG, "tasks": {"qa1": {"babi_tasks": [1]}}}
    outcome = _claim("thalamus", "task_conditioning").check({}, single)
    assert outcome.verdict == TOO_SMALL and "multi-task" in outcome.scale
    tables = _swap_tables([0.3, 0.3, 0.3], tasks=(1,))
    outcome = _claim("thalamus", "task_conditioning").check(tables, SWAP_CFG)
    assert outcome.verdict == TOO_SMALL and "bAbI tasks: 1 (needs ≥ 2)" in outcome.scale


@pytest.mark.parametrize(("train", "angle", "verdict"), [
    (0.99, 0.93, HOLDS), (0.90, 0.85, TOO_SMALL)])
def test_wm_training_criterion(train, angle, verdict):
    frame = pd.DataFrame([{"study": "wm", "task": "mtmf", "model": "gru", "seed": 0,
                           "split": split, "nback_task": "all", "accuracy": value}
                          for split, value in (("train", train), ("novel_angle", angle),
                                               ("novel_identity", 0.8))])
    cfg = {"tasks": {"mtmf": {"n_back": [1, 2], "features": ["location"]}},
           "models": {"gru": {"type": "gru"}}, "train": {"epochs": 15}}
    outcome = _claim("wm", "training_criterion").check({"accuracy.csv": frame}, cfg)
    assert outcome.verdict == verdict
    assert f"train {train:.3f}, novel angle {angle:.3f}" in outcome.measured
