"""The synthetic thalamus's testable predictions on bAbI, checked against a run's thalamus tables.

The seed is an idea without results, so its claims are predictions; the published baselines are
the bAbI papers' 1k-question error rates (taskdyn.studies.thalamus.jobs), while the run's data
may be generated rather than the released set.
"""

from __future__ import annotations

import pandas as pd

from taskdyn.claims import (
    FAILS,
    NOT_MEASURED,
    Claim,
    Need,
    Outcome,
    Tables,
    judge,
    not_measured,
    per_task,
    too_small,
)
from taskdyn.studies.thalamus import gated, readers

REFERENCE_TRAIN_SIZE = 1000  # the references in accuracy.csv are the 1k-question results
GATES = "gate: topk | none"


def _training_size(cfg: dict) -> int | None:
    """Training questions per bAbI task, where the config says it."""
    data = cfg["data"]
    if data["source"] == "generate":
        return data["generate"]["n_train"]
    if data["source"] == "download":
        return 10000 if data["subset"].endswith("10k") else 1000
    return None


def _data_note(cfg: dict) -> str:
    return {"generate": "generated data (not the released set: the references are "
                        "qualitative)"}.get(cfg["data"]["source"], "released bAbI data")


def _gating_tables(cfg: dict) -> list[str]:
    return [f"{task}/gating.csv" for task in cfg["tasks"]] if readers(cfg) else []


def check_recency(tables: Tables, cfg: dict) -> Outcome:
    measured = "; ".join(
        f"{task}/{r.model}/seed{r.seed} task {r.babi_task}: sentence recall "
        f"{r.sentence_recall:.3f} at k = {r.n_selected:g} (chance precision "
        f"{r.chance_precision:.3f}, precision {r.precision:.3f})"
        for task in cfg["tasks"] if f"{task}/gating.csv" in tables
        for r in tables[f"{task}/gating.csv"].itertuples() if r.model in gated(cfg)) or "—"
    return not_measured(f"no last-k or random-k gate to compare with ({GATES}) and no accuracy "
                        "by the supporting fact's distance", measured)


def check_oracle(tables: Tables, cfg: dict) -> Outcome:
    return not_measured(f"no oracle gate that keeps the supporting sentences ({GATES})")


def _swap_tasks(cfg: dict) -> list[str]:
    return [t for t, task in cfg["tasks"].items() if len(task["babi_tasks"]) > 1] \
        if readers(cfg) else []


def _task_swap(frame: pd.DataFrame) -> Outcome:
    right = frame["true_task"] == frame["given_task"]
    by_model = frame.assign(right=right).groupby(["model", "right"])["accuracy"].mean()
    parts, lowered = [], []
    for model in frame["model"].unique():
        own, wrong = by_model[(model, True)], by_model[(model, False)]
        lowered.append(wrong < own)
        parts.append(f"{model}: right id {own:.3f}, wrong id {wrong:.3f}")
    untested = "which tokens the gate keeps under a wrong id is not measured"
    return (Outcome("; ".join(parts), NOT_MEASURED, f"a wrong id lowers accuracy; {untested}")
            if all(lowered)
            else Outcome("; ".join(parts), FAILS, f"a wrong id does not lower every model's "
                         f"accuracy; {untested}"))


def check_task_swap(tables: Tables, cfg: dict) -> Outcome:
    tasks = _swap_tasks(cfg)
    if not tasks:
        return too_small("—", "every configuration holds one bAbI task; the task swap needs a "
                              "multi-task one (babi_tasks with several entries) and a reader")
    return per_task(tasks, lambda task: _task_swap(tables[f"{task}/task_swap.csv"]))


def check_baselines(tables: Tables, cfg: dict) -> Outcome:
    size = _training_size(cfg)
    models = gated(cfg)
    if not models:
        return too_small("—", "the run has no gated reader (type: thalamus, gate: topk)")

    def baseline(task: str) -> Outcome:
        frame = tables[f"{task}/accuracy.csv"]
        rows = frame[frame["model"].isin(models)]
        error = rows.groupby(["model", "babi_task"])[
            ["error_pct", "ref_lstm_error_pct", "ref_memn2n_error_pct"]].mean()
        measured = "; ".join(f"{model} task {babi}: {r.error_pct:.1f} % error (LSTM "
                             f"{r.ref_lstm_error_pct:.1f}, MemN2N {r.ref_memn2n_error_pct:.1f})"
                             for (model, babi), r in error.iterrows())
        return judge(
            bool((error["error_pct"] < error["ref_lstm_error_pct"]).all()),
            [Need("training questions per task", size, REFERENCE_TRAIN_SIZE,
                  size == REFERENCE_TRAIN_SIZE)],
            measured, [_data_note(cfg)])

    return per_task(cfg["tasks"], baseline)


CLAIMS = [
    Claim("selection_beyond_recency",
          "The learned gate's recall of the supporting facts, and its accuracy when the "
          "supporting fact is ≥ 3 sentences back, beat last-k and random-k gates at the same k.",
          "learned gate > last-k and random-k gates in sentence recall and distant-fact "
          "accuracy (a prediction; the seed has no results)",
          check_recency, _gating_tables),
    Claim("oracle_ceiling",
          "An oracle gate that keeps the supporting sentences bounds what gating can give.",
          "oracle-gate accuracy ≥ every learned gate's (a prediction)",
          check_oracle),
    Claim("task_conditioning",
          "In a multi-task model a wrong task id lowers accuracy and changes which tokens are "
          "kept.",
          "task-swap matrix: off-diagonal accuracy below the diagonal; different tokens kept "
          "(a prediction)",
          check_task_swap, lambda cfg: [f"{t}/task_swap.csv" for t in _swap_tasks(cfg)]),
    Claim("published_baselines",
          "Per bAbI task, the gated reader's accuracy against the published LSTM and MemN2N at "
          "the same training size.",
          "error below the published LSTM's (1k: Weston et al. 2015 / Sukhbaatar et al. 2015 "
          "Table 1; task 1: LSTM 50.0 %, MemN2N 0.0 %)",
          check_baselines, lambda cfg: [f"{t}/accuracy.csv" for t in cfg["tasks"]]),
]
