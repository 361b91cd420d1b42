"""The Computation-Thru-Dynamics Benchmark's claims, checked against a run's ctdb tables.

CtDB's reference network is a (noisy) GRU; its training budgets are the pretrained runs' (NBFF
and MultiTask 500 epochs, RandomTarget 2000). Where CtDB gives no number (MultiTask success
rates live only in its W&B logs, reaching errors nowhere), the bar is taskdyn's and says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from taskdyn.claims import (
    NOT_MEASURED,
    Claim,
    Need,
    Outcome,
    Tables,
    at_least,
    judge,
    metric,
    models_of_type,
    not_measured,
    per_seed,
    per_task,
    tasks_of,
    too_small,
)
from taskdyn.studies.ctdb.analysis import CORNER_TOLERANCE

MIN_BIT_ACCURACY = 0.99
Q_THRESHOLD = 1e-5  # the 3BFF tutorial's q* cut for plotting fixed points
HIGH_STATE_R2 = 0.9  # CtDB's 3- to 8-D NODEs score 0.94-0.97 from the GRU
MIN_MEAN_SUCCESS = 0.9  # taskdyn's MultiTask bar: mean held-out success over the subtasks ...
MIN_SUBTASK_SUCCESS = 0.6  # ... and none below this
MAX_END_ERROR_M = 0.02
CTDB_EPOCHS = {"flipflop": 500, "multitask": 500, "randomtarget": 2000}
CTDB_N_INITS = 1024  # CtDB's fixed-point finder's initial states
MIN_TRIALS = 100  # held-out trials for a success rate or mean error to within a few percent


def _tasks(kind: str) -> Callable[[dict], list[str]]:
    """The function giving the study's tasks of `kind`."""
    return lambda cfg: tasks_of(cfg, lambda task: task["kind"] == kind)


flipflop_tasks = _tasks("flipflop")
multitask_tasks = _tasks("multitask")
reaching_tasks = _tasks("randomtarget")


def _grus(cfg: dict) -> list[str]:
    return models_of_type(cfg, "gru")


def _epochs(tables: Tables, task: str, models: list[str], kind: str) -> Need:
    """The fewest epochs any of `models` trained on `task` (a budget need: CtDB's)."""
    epochs = metric(tables[f"{task}/metrics.csv"], "epochs", models).min()
    return at_least("epochs", int(epochs), CTDB_EPOCHS[kind], budget=True)


def _enabled(cfg: dict, analysis: str | None) -> bool:
    return analysis is None or analysis in cfg.get("analyses", {})


def _missing(cfg: dict, tasks: list[str], kind: str, *types: str,
             analysis: str | None = None) -> Outcome | None:
    """`too small` when the run has no task of `kind` or no model of one of `types`; `not
    measured` when it does not enable `analysis`."""
    if not tasks:
        return too_small("—", f"the run has no {kind} task (kind: {kind})")
    for model_type in types:
        if not models_of_type(cfg, model_type):
            return too_small("—", f"the run has no {model_type.upper()} model "
                                  f"(type: {model_type})")
    if not _enabled(cfg, analysis):
        return not_measured(f"the run does not enable analyses.{analysis}")
    return None


def _task_tables(tasks: Callable[[dict], list[str]], *names: str,
                 analysis: str | None = None) -> Callable[[dict], list[str]]:
    """A claim's table function: `<task>/<name>.csv` of each of `names` for every task
    `tasks(cfg)` selects; none when the run does not enable `analysis`."""
    return lambda cfg: ([f"{task}/{name}.csv" for task in tasks(cfg) for name in names]
                        if _enabled(cfg, analysis) else [])


# --- flip-flop accuracy ------------------------------------------------------------------------


_accuracy_tables = _task_tables(flipflop_tasks, "metrics")


def _accuracy(tables: Tables, cfg: dict, task: str) -> Outcome:
    accuracy = metric(tables[f"{task}/metrics.csv"], "bit_accuracy", _grus(cfg))
    return judge(
        bool((accuracy >= MIN_BIT_ACCURACY).all()),
        [at_least("GRU seeds", len(accuracy), 1), _epochs(tables, task, _grus(cfg), "flipflop")],
        f"held-out bit accuracy mean {accuracy.mean():.4f} ({per_seed(accuracy)})")


def check_accuracy(tables: Tables, cfg: dict) -> Outcome:
    tasks = flipflop_tasks(cfg)
    return (_missing(cfg, tasks, "flipflop", "gru")
            or per_task(tasks, lambda task: _accuracy(tables, cfg, task)))


# --- flip-flop fixed points --------------------------------------------------------------------


_fixed_point_tables = _task_tables(flipflop_tasks, "fixed_point_corners", "metrics",
                                   analysis="fixed_points")


def _fixed_points(tables: Tables, cfg: dict, task: str) -> Outcome:
    frame = tables[f"{task}/fixed_point_corners.csv"]
    grus = frame[frame["model"].isin(_grus(cfg))]
    corners = 2 ** grus["n_bits"]
    ok = ((grus["n_stable"] == corners) & (grus["n_stable_at_corners"] == corners)
          & (grus["n_corners"] == corners) & (grus["n_saddles"] >= 1)
          & (grus["qstar_max"] < Q_THRESHOLD))
    measured = ", ".join(
        f"{r.model}/seed{r.seed}: {r.n_stable} stable ({r.n_stable_at_corners} at corners) "
        f"hitting {r.n_corners} of {2 ** r.n_bits} corners, {r.n_saddles} saddles, "
        f"max q* {r.qstar_max:.1e}" for r in grus.itertuples())
    return judge(
        bool(ok.all()) and len(grus) > 0,
        [at_least("GRU seeds", len(grus), 1),
         at_least("initial states", int(grus["n_inits"].min()), CTDB_N_INITS, budget=True),
         _epochs(tables, task, _grus(cfg), "flipflop")],
        measured)


def check_fixed_points(tables: Tables, cfg: dict) -> Outcome:
    tasks = flipflop_tasks(cfg)
    return (_missing(cfg, tasks, "flipflop", "gru", analysis="fixed_points")
            or per_task(tasks, lambda task: _fixed_points(tables, cfg, task)))


# --- state R² direction ------------------------------------------------------------------------


_state_r2_tables = _task_tables(flipflop_tasks, "state_r2", "metrics", analysis="state_r2")


def _mean_r2(frame: pd.DataFrame, sources: list[str], targets: list[str]) -> pd.Series:
    rows = frame[(frame["pc"].astype(str) == "all") & frame["source_model"].isin(sources)
                 & frame["target_model"].isin(targets)]
    return rows["r2"]


def _state_r2(tables: Tables, cfg: dict, task: str) -> Outcome:
    grus, nodes = _grus(cfg), models_of_type(cfg, "node")
    frame = tables[f"{task}/state_r2.csv"]
    forward, backward = _mean_r2(frame, grus, nodes), _mean_r2(frame, nodes, grus)
    latents = frame.attrs.get("provenance", {}).get("n_components")
    compared = {"all": "full latents", None: "unrecorded latents (no n_components in "
                "its header)"}.get(latents, f"the top {latents} PCs of each model")
    measured = (f"GRU→NODE {forward.mean():.3f}, NODE→GRU {backward.mean():.3f} "
                f"(means over {len(forward)} seed pairs; {compared})")
    if latents != "all":
        return Outcome(
            measured, NOT_MEASURED,
            f"state_r2.csv compares {compared}, not the full latents the claim needs "
            "(a few PCs hide the target's extra dimensions); set "
            "analyses.state_r2.n_components: all")
    return judge(
        bool(forward.mean() >= HIGH_STATE_R2 and backward.mean() < forward.mean()),
        [at_least("GRU-NODE seed pairs", len(forward), 1),
         _epochs(tables, task, grus + nodes, "flipflop")],
        measured)


def check_state_r2(tables: Tables, cfg: dict) -> Outcome:
    tasks = flipflop_tasks(cfg)
    return (_missing(cfg, tasks, "flipflop", "gru", "node", analysis="state_r2")
            or per_task(tasks, lambda task: _state_r2(tables, cfg, task)))


# --- MultiTask success -------------------------------------------------------------------------


_multitask_tables = _task_tables(multitask_tasks, "multitask_performance", "metrics")


def _subtask_success(tables: Tables, cfg: dict, task: str) -> tuple[pd.DataFrame, pd.Series]:
    """The GRUs' success rows and the per-subtask held-out success averaged over seeds."""
    frame = tables[f"{task}/multitask_performance.csv"]
    rows = frame[(frame["metric"] == "success_rate") & frame["model"].isin(_grus(cfg))]
    return rows, rows.groupby("subtask", sort=False)["value"].mean()


def solves_multitask(success: pd.Series) -> bool:
    """taskdyn's MultiTask bar on per-subtask success rates."""
    return bool(success.mean() >= MIN_MEAN_SUCCESS and success.min() >= MIN_SUBTASK_SUCCESS)


def _multitask(tables: Tables, cfg: dict, task: str) -> Outcome:
    rows, success = _subtask_success(tables, cfg, task)
    worst = success.sort_values().head(3)
    measured = (f"GRU held-out success {success.mean():.2f} averaged over "
                f"{len(success)} subtasks, {int((success >= MIN_MEAN_SUCCESS).sum())} of them "
                f"≥ {MIN_MEAN_SUCCESS:.0%}; lowest: "
                + ", ".join(f"{name} {value:.2f}" for name, value in worst.items()))
    return judge(
        solves_multitask(success),
        [at_least("held-out trials per subtask and seed", int(rows["n_trials"].min()),
                  MIN_TRIALS),
         _epochs(tables, task, _grus(cfg), "multitask")],
        measured)


def check_multitask(tables: Tables, cfg: dict) -> Outcome:
    tasks = multitask_tasks(cfg)
    return (_missing(cfg, tasks, "multitask", "gru")
            or per_task(tasks, lambda task: _multitask(tables, cfg, task)))


# --- RandomTarget reaching ---------------------------------------------------------------------


_reaching_tables = _task_tables(reaching_tasks, "reaching", "metrics")


def _reaching(tables: Tables, cfg: dict, task: str) -> Outcome:
    frame = tables[f"{task}/reaching.csv"]
    rows = frame[(frame["metric"] == "median_end_error_m") & frame["model"].isin(_grus(cfg))]
    non_catch = rows[rows["condition"] == "non_catch"]
    by_condition = rows[rows["condition"].isin(["reach", "reach_bumped"])].groupby(
        "condition")["value"].median()
    measured = (f"GRU median end-point error on non-catch trials {per_seed_cm(non_catch)}; "
                "median over seeds: " + ", ".join(f"{condition} {100 * value:.1f} cm"
                                                   for condition, value in by_condition.items()))
    return judge(
        bool(len(non_catch) > 0 and (non_catch["value"] <= MAX_END_ERROR_M).all()),
        [at_least("GRU seeds", len(non_catch), 1),
         at_least("held-out non-catch trials per seed", int(non_catch["n_trials"].min()),
                  MIN_TRIALS),
         _epochs(tables, task, _grus(cfg), "randomtarget")],
        measured)


def per_seed_cm(rows: pd.DataFrame) -> str:
    """`model/seedN x.x cm` for each row of a table of distances in metres."""
    return ", ".join(f"{r.model}/seed{r.seed} {100 * r.value:.1f} cm" for r in rows.itertuples())


def check_reaching(tables: Tables, cfg: dict) -> Outcome:
    tasks = reaching_tasks(cfg)
    return (_missing(cfg, tasks, "randomtarget", "gru")
            or per_task(tasks, lambda task: _reaching(tables, cfg, task)))


# --- MultiTask fixed points per phase -----------------------------------------------------------


CTDB_PHASE_N_INITS = 2048  # compute_fps_phase's initial states per phase


def _per_phase(cfg: dict) -> bool:
    return cfg.get("analyses", {}).get("fixed_points", {}).get("inputs") == "per_phase"


def _phase_tables(cfg: dict) -> list[str]:
    return [f"{task}/{name}.csv" for task in multitask_tasks(cfg)
            for name in ("fixed_points_by_phase", "multitask_performance", "metrics")
            if _enabled(cfg, "fixed_points") and _per_phase(cfg)]


def _multitask_fixed_points(tables: Tables, cfg: dict, task: str) -> Outcome:
    frame = tables[f"{task}/fixed_points_by_phase.csv"]
    grus = frame[frame["model"].isin(_grus(cfg))]
    memory = grus[grus["memory_phase"].astype(bool)]
    _, success = _subtask_success(tables, cfg, task)
    counts = memory.groupby(["subtask", "phase"], sort=False)["n_stable"]
    measured = ("stable points in memory phases (min over GRU seeds): "
                + (", ".join(f"{sub} {phase} {n}" for (sub, phase), n in counts.min().items())
                   or "none (no subtask with a memory phase)")
                + "; all phases: " + ", ".join(
                    f"{phase} {grus[grus['phase'] == phase]['n_stable'].sum()}"
                    for phase in dict.fromkeys(grus["phase"]))
                + " stable points summed over subtasks and seeds")
    return judge(
        bool(len(memory) > 0 and (memory["n_stable"] >= 1).all()),
        [at_least("GRU seeds", grus[["model", "seed"]].drop_duplicates().shape[0], 1),
         at_least("subtask memory phases", len(counts), 1),
         at_least("GRU solving the MultiTask (the multitask_success bar: 1 = yes)",
                  int(solves_multitask(success)), 1),
         at_least("initial states per phase", int(grus["n_starts"].min()),
                  CTDB_PHASE_N_INITS, budget=True),
         _epochs(tables, task, _grus(cfg), "multitask")],
        measured)


def check_multitask_fixed_points(tables: Tables, cfg: dict) -> Outcome:
    tasks = multitask_tasks(cfg)
    missing = _missing(cfg, tasks, "multitask", "gru", analysis="fixed_points")
    if missing:
        return missing
    if not _per_phase(cfg):
        return not_measured("analyses.fixed_points.inputs is zero: per-phase fixed points need "
                            "inputs: per_phase")
    return per_task(tasks, lambda task: _multitask_fixed_points(tables, cfg, task))


CLAIMS = [
    Claim("flipflop_accuracy",
          "A GRU trained on the N-bit flip-flop reaches ≥ 99 % held-out bit accuracy.",
          "≥ 0.99 bit accuracy on held-out trials, every GRU seed (CtDB's 3BFF NoisyGRU, "
          "500 epochs)",
          check_accuracy, _accuracy_tables),
    Claim("flipflop_fixed_points",
          "The flip-flop GRU has 2^N stable fixed points, one per corner of the bit cube as "
          "its readout sees them, plus saddles between them.",
          f"2^N stable points at 2^N distinct corners (readout within {CORNER_TOLERANCE} of "
          f"0/1), ≥ 1 saddle, q* < {Q_THRESHOLD:.0e}".replace("e-0", "e-")
          + " (CtDB's 3BFF tutorial: 8 stable + saddles); "
          f"{CTDB_N_INITS} initial states",
          check_fixed_points, _fixed_point_tables),
    Claim("state_r2_direction",
          "Affine state R² from the GRU to a 3-D NODE is high and from the NODE to the GRU "
          "lower: extra dimensions are penalised.",
          f"GRU→NODE ≥ {HIGH_STATE_R2} (CtDB: 0.94-0.97 for 3- to 8-D NODEs) and NODE→GRU "
          "below it; full latents, variance-weighted, held-out trials",
          check_state_r2, _state_r2_tables),
    Claim("multitask_success",
          "A GRU trained on the 15-subtask MultiTask succeeds on each subtask's held-out trials.",
          "CtDB's rule: response angle within π/10 of the target at the last response bin, "
          "summed response < 0.1 on no-response trials; CtDB reports no rates (W&B only): "
          f"taskdyn's bar: mean over the subtasks ≥ {MIN_MEAN_SUCCESS:.0%} and none below "
          f"{MIN_SUBTASK_SUCCESS:.0%} (seed means); 500 epochs",
          check_multitask, _multitask_tables),
    Claim("multitask_fixed_points",
          "With each subtask phase's constant input held, a MultiTask GRU that solves every "
          "subtask has at least one stable fixed point in every memory phase (mem1, mem2) of "
          "every subtask: the memory is held by attractors, not by slow transients.",
          "CtDB's compute_fps_phase finds each phase's fixed points at that phase's input "
          "(2048 starts from the phase's states; q* ≈ 1e-5) and shows attractors such as "
          "rings in memory phases; it states no count: taskdyn's bar ≥ 1 stable point per "
          "memory phase, every GRU seed; too small unless the GRU meets the "
          "multitask_success bar",
          check_multitask_fixed_points, _phase_tables),
    Claim("randomtarget_reaching",
          "A GRU driving the MotorNet arm brings the hand to the target on held-out, non-catch "
          "trials, with and without bumps.",
          "CtDB reports no end-point error (RandomTarget, 2000 epochs): taskdyn's bar ≤ 2 cm "
          "median end-point error over held-out non-catch trials (bumped and unbumped), every "
          "GRU seed; a go cue late in the trial leaves too little time to arrive, so the "
          "median, not the mean",
          check_reaching, _reaching_tables),
]
