"""The synthetic thalamus's testable predictions on bAbI, checked against a run's thalamus tables.

The seed is an idea without results, so its claims are predictions; the published baselines are
the bAbI papers' 1k-question error rates (taskdyn.studies.thalamus.jobs), while the run's data
may be generated rather than the released set.
"""

from __future__ import annotations

import pandas as pd

from taskdyn.claims import (
    Claim,
    Need,
    Outcome,
    Tables,
    at_least,
    judge,
    per_task,
    too_small,
)
from taskdyn.studies.thalamus import gate_label, gated, swap_configs, task_models
from taskdyn.studies.thalamus.analysis import mean_interval
from taskdyn.studies.thalamus.jobs import summarise_task_swap

REFERENCE_TRAIN_SIZE = 1000  # the references in accuracy.csv are the 1k-question results
GATES = "gate: topk | none | last_k | random_k | oracle"
MIN_SEEDS = 3  # fewer seeds give no usable 95 % interval
RECENCY_BASELINES = ("last_k", "random_k")
RECENCY_CRITERION = ("means with 95 % Student-t intervals over seeds; holds when the learned "
                     "gate's mean is above both baselines' and the intervals do not overlap")
RECENCY_METRICS = {"sentence_recall": "sentence recall",
                   "accuracy_far": "accuracy, supporting fact ≥ 3 sentences back"}


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


def _configs_with(cfg: dict, labels: tuple[str, ...]) -> list[str]:
    """Configurations whose trained models include every gate of `labels` (`gate_label`); all
    of them when none does (the claim is then too small)."""
    having = [t for t in cfg["tasks"]
              if "models" in cfg
              and set(labels) <= {gate_label(cfg["models"][m]) for m in task_models(cfg, t)}]
    return having or list(cfg["tasks"])


def _comparison_tables(cfg: dict) -> list[str]:
    return [f"{task}/gate_comparison.csv" for task in cfg["tasks"]]


def _model_interval(rows: pd.DataFrame, model: str, metric: str) -> tuple[float, float, float]:
    """(mean, low, high) of `metric` over `model`'s seeds (95 % Student-t interval)."""
    return mean_interval(rows.loc[rows["model"] == model, metric].to_numpy())


def _beats(rows: pd.DataFrame, learned: str, baselines: list[str],
           metric: str) -> tuple[bool, str]:
    """Whether `learned`'s mean is above every baseline's and the intervals are disjoint."""
    mean, low, high = _model_interval(rows, learned, metric)
    parts, beats = [f"{learned} {mean:.3f} [{low:.3f}, {high:.3f}]"], True
    for baseline in baselines:
        b_mean, b_low, b_high = _model_interval(rows, baseline, metric)
        beats &= bool(mean > b_mean and low > b_high)  # NaN bounds (one seed) never beat
        parts.append(f"{baseline} {b_mean:.3f} [{b_low:.3f}, {b_high:.3f}]")
    return beats, " vs ".join(parts)


def _recency(frame: pd.DataFrame) -> Outcome:
    """Learned gates against last_k and random_k at the same k, per bAbI task and k."""
    met, parts, seeds = True, [], []
    for (babi, k), rows in frame[frame["k"].notna()].groupby(["babi_task", "k"]):
        models = {g: list(rows.loc[rows["gate"] == g, "model"].unique())
                  for g in ("learned", *RECENCY_BASELINES)}
        if not all(models.values()):
            continue
        baselines = [m for g in RECENCY_BASELINES for m in models[g]]
        seeds.append(int(rows.groupby("model")["seed"].nunique().min()))
        for learned in models["learned"]:
            for metric, name in RECENCY_METRICS.items():
                beats, text = _beats(rows, learned, baselines, metric)
                met &= beats
                parts.append(f"qa{babi} k = {k:g}, {name}: {text}")
    if not parts:
        return too_small("—", "no learned, last_k and random_k gates at the same k "
                              f"({GATES})")
    return judge(met, [at_least("seeds", min(seeds), MIN_SEEDS)], "; ".join(parts),
                 [RECENCY_CRITERION])


def check_recency(tables: Tables, cfg: dict) -> Outcome:
    return per_task(_configs_with(cfg, ("learned", *RECENCY_BASELINES)),
                    lambda task: _recency(tables[f"{task}/gate_comparison.csv"]))


def _oracle(frame: pd.DataFrame) -> Outcome:
    """Every oracle gate's mean accuracy against every learned gate's, per bAbI task."""
    means = frame.groupby(["babi_task", "model"]).agg(
        gate=("gate", "first"), accuracy=("accuracy", "mean"), seeds=("seed", "nunique"))
    met, parts, seeds = True, [], []
    for babi, rows in means.groupby(level="babi_task"):
        oracle, learned = rows[rows["gate"] == "oracle"], rows[rows["gate"] == "learned"]
        if oracle.empty or learned.empty:
            continue
        met &= bool(oracle["accuracy"].min() >= learned["accuracy"].max())
        seeds.append(int(pd.concat([oracle, learned])["seeds"].min()))
        parts.append(f"qa{babi}: " + ", ".join(
            f"{model} {r.accuracy:.3f}" for (_, model), r in pd.concat([oracle, learned])
            .iterrows()))
    if not parts:
        return too_small("—", f"no oracle and learned gates to compare ({GATES})")
    return judge(met, [at_least("seeds", min(seeds), MIN_SEEDS)], "; ".join(parts),
                 ["mean test accuracy over seeds"])


def check_oracle(tables: Tables, cfg: dict) -> Outcome:
    return per_task(_configs_with(cfg, ("learned", "oracle")),
                    lambda task: _oracle(tables[f"{task}/gate_comparison.csv"]))


def _swap_tasks(cfg: dict) -> list[str]:
    return swap_configs(cfg)


SWAP_CRITERION = ("per learned-gate reader: drop = diagonal − off-diagonal accuracy of the "
                  "task-swap matrix per seed, mean with its 95 % Student-t interval over seeds; "
                  "holds when every interval is above 0 and the mean kept-token overlap under a "
                  "wrong id (Jaccard, mean over seeds and cells) is below 1")


def _task_swap(swap: pd.DataFrame, overlap: pd.DataFrame) -> Outcome:
    """Learned-gate readers: does a wrong id lower accuracy and change the kept tokens?"""
    models = list(dict.fromkeys(overlap["model"]))
    if not models:
        return too_small("—", "no learned-gate reader (gate: topk) in the configuration")
    summary = summarise_task_swap(swap[swap["model"].isin(models)])
    wrong = overlap[overlap["true_task"] != overlap["given_task"]]
    met, parts, seeds = True, [], []
    for model in models:
        rows = summary[summary["model"] == model]
        mean, low, high = mean_interval(rows["drop"].to_numpy())
        kept = float(wrong.loc[wrong["model"] == model, "overlap"].mean())
        met &= bool(low > 0 and kept < 1)  # NaN bounds (one seed) never hold
        seeds.append(int(rows["seed"].nunique()))
        parts.append(f"{model}: right id {rows['diagonal'].mean():.3f}, wrong id "
                     f"{rows['off_diagonal'].mean():.3f}, drop {mean:.3f} [{low:.3f}, "
                     f"{high:.3f}], kept-token overlap {kept:.3f}")
    n_tasks = int(summary["n_tasks"].min())
    return judge(met, [at_least("seeds", min(seeds), MIN_SEEDS),
                       at_least("bAbI tasks", n_tasks, 2)], "; ".join(parts), [SWAP_CRITERION])


def check_task_swap(tables: Tables, cfg: dict) -> Outcome:
    tasks = _swap_tasks(cfg)
    if not tasks:
        return too_small("—", "every configuration holds one bAbI task; the task swap needs a "
                              "multi-task one (babi_tasks with several entries) and a reader")
    return per_task(tasks, lambda task: _task_swap(tables[f"{task}/task_swap.csv"],
                                                   tables[f"{task}/gate_overlap.csv"]))


def _swap_tables(cfg: dict) -> list[str]:
    return [f"{t}/{name}.csv" for t in _swap_tasks(cfg) for name in ("task_swap", "gate_overlap")
            if name == "task_swap" or set(gated(cfg)) & set(task_models(cfg, t))]


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

    return per_task(_configs_with(cfg, ("learned",)), baseline)


CLAIMS = [
    Claim("selection_beyond_recency",
          "The learned gate's recall of the supporting facts, and its accuracy when the "
          "supporting fact is ≥ 3 sentences back, beat last-k and random-k gates at the same k.",
          "learned gate > last-k and random-k gates at the same k in sentence recall and in "
          "accuracy with the supporting fact ≥ 3 sentences back: higher mean, disjoint 95 % "
          "intervals over ≥ 3 seeds (a prediction; the seed has no results)",
          check_recency, _comparison_tables),
    Claim("oracle_ceiling",
          "An oracle gate that keeps the supporting sentences bounds what gating can give.",
          "oracle-gate accuracy ≥ every learned gate's (mean over ≥ 3 seeds; a prediction)",
          check_oracle, _comparison_tables),
    Claim("task_conditioning",
          "In a multi-task model a wrong task id lowers accuracy and changes which tokens are "
          "kept.",
          "task-swap matrix: off-diagonal accuracy below the diagonal (the drop's 95 % interval "
          "over ≥ 3 seeds above 0) and kept-token overlap under a wrong id below 1 (a "
          "prediction)",
          check_task_swap, _swap_tables),
    Claim("published_baselines",
          "Per bAbI task, the gated reader's accuracy against the published LSTM and MemN2N at "
          "the same training size.",
          "error below the published LSTM's (1k: Weston et al. 2015 / Sukhbaatar et al. 2015 "
          "Table 1; task 1: LSTM 50.0 %, MemN2N 0.0 %)",
          check_baselines, lambda cfg: [f"{t}/accuracy.csv" for t in cfg["tasks"]]),
]
