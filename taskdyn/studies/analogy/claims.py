"""The emergent-analogy paper's claims (Minegishi et al. 2026), checked against a run's analogy
tables.

A run "reaches analogy" when its held-out analogical facts pass the dynamics threshold
(threshold_epochs.csv, split `ood_analogical`). The sensitivity claims compare runs that differ
in one knob only (a `sweep:` block, or tasks and models configured by hand); each knob value
needs a few seeds, and a run that misses a claim with fewer epochs than the paper's 1,000 is
too small rather than failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from taskdyn.claims import (
    Claim,
    Need,
    Outcome,
    Tables,
    at_least,
    combine,
    judge,
    model_train,
)
from taskdyn.studies.analogy.analysis.dirichlet import NORM_CONTROLLED

PAPER_EPOCHS = 1000
SEEDS_PER_POINT = 3  # a knob value's speed from fewer seeds is mostly seed noise
MIN_SEEDS = 8  # a fraction or mean lag over fewer seeds has an interval too wide to decide
ANALOGY, COMPOSITION = "ood_analogical", "near_ood_compositional"
TASK_KNOBS = ("num_entities", "num_relations", "analogical_ood_ratio")
MODEL_KNOBS = ("d_model", "n_layer")
TRAIN_KNOBS = ("lr", "weight_decay", "batch_size")


def _epochs(cfg: dict, models: Iterable[str]) -> Need:
    """The budget need of the paper's epochs, for the runs of `models` a claim compares."""
    fewest = min(model_train(cfg, m)["epochs"] for m in set(models))
    return at_least("epochs", fewest, PAPER_EPOCHS, budget=True)


def runs(tables: Tables, cfg: dict) -> pd.DataFrame:
    """One row per task × model × seed: every knob's value, the analogy and composition epochs
    (NaN: never) and whether analogy was transient (reached, then lost by the last epoch)."""
    frame = tables["threshold_epochs.csv"]
    values = ["epoch", "final_accuracy"]
    # dropna=False keeps splits a run never reached, but also makes every task × model × seed
    # combination a row: keep the runs that exist (a run has a final accuracy on every split)
    wide = frame.pivot_table(index=["task", "model", "seed"], columns="split", values=values,
                             dropna=False).dropna(how="all")
    # a split a run does not have (no near-OOD facts, say) counts as never reached
    wide = wide.reindex(columns=pd.MultiIndex.from_product(
        [values, sorted({*frame["split"], ANALOGY, COMPOSITION})]))
    out = wide.index.to_frame(index=False)
    out["analogy_epoch"] = wide[("epoch", ANALOGY)].to_numpy()
    out["composition_epoch"] = wide[("epoch", COMPOSITION)].to_numpy()
    threshold = frame["threshold"].iloc[0]
    out["transient"] = (out["analogy_epoch"].notna()
                        & (wide[("final_accuracy", ANALOGY)].to_numpy() < threshold))
    for knob in TASK_KNOBS:
        out[knob] = out["task"].map({t: task[knob] for t, task in cfg["tasks"].items()})
    for knob in MODEL_KNOBS:
        out[knob] = out["model"].map({m: model[knob] for m, model in cfg["models"].items()})
    for knob in TRAIN_KNOBS:
        out[knob] = out["model"].map({m: model_train(cfg, m).get(knob) for m in cfg["models"]})
    return out


def one_knob(runs: pd.DataFrame, knob: str) -> pd.DataFrame:
    """The runs that differ in `knob` only: the group of equal other knobs with most values."""
    others = [k for k in TASK_KNOBS + MODEL_KNOBS + TRAIN_KNOBS if k != knob]
    best = max((group for _, group in runs.groupby(others, dropna=False)),
               key=lambda g: g[knob].nunique())
    return best


def speed(series: pd.DataFrame, knob: str) -> pd.DataFrame:
    """Per knob value: seeds, how many reach analogy and composition, mean analogy epoch of
    those that do, transient ones; `slowness` orders values (fewer reaching, then later)."""
    table = series.groupby(knob).agg(
        seeds=("seed", "size"), reached=("analogy_epoch", "count"),
        composed=("composition_epoch", "count"), epoch=("analogy_epoch", "mean"),
        transient=("transient", "sum"))
    table["slowness"] = list(zip(-table["reached"] / table["seeds"],
                                 table["epoch"].fillna(np.inf), strict=True))
    return table


def _describe(table: pd.DataFrame) -> str:
    return "; ".join(
        f"{value:g}: {r.reached}/{r.seeds} reach analogy"
        + (f" (mean epoch {r.epoch:.0f}" + (f", {r.transient} transient)" if r.transient else ")")
           if r.reached else "") for value, r in table.iterrows())


def knob_claim(knob: str, criterion: Callable[[pd.DataFrame], bool],
               min_values: int = 2) -> Callable[[Tables, dict], Outcome]:
    """A check of a claim about one knob: `criterion` on the per-value `speed` table."""

    def check(tables: Tables, cfg: dict) -> Outcome:
        series = one_knob(runs(tables, cfg), knob)
        table = speed(series, knob)
        needs = [at_least(f"{knob} values", len(table), min_values),
                 at_least("seeds per value", int(table["seeds"].min()), SEEDS_PER_POINT),
                 _epochs(cfg, series["model"])]
        met = len(table) >= min_values and bool(criterion(table))
        return judge(met, needs, f"{knob} {_describe(table)}")

    return check


def _slower(table: pd.DataFrame, high: bool = True) -> bool:
    """Is the largest value slower (`high`) or faster than the smallest?"""
    first, last = table["slowness"].iloc[0], table["slowness"].iloc[-1]
    return last > first if high else last < first


def _blocked_at_top(table: pd.DataFrame) -> bool:
    """No seed of the largest value reaches analogy while some smaller value does."""
    return table["reached"].iloc[-1] == 0 and table["reached"].iloc[:-1].sum() > 0


def _too_few_relations(table: pd.DataFrame) -> bool:
    return table["reached"].iloc[0] == 0 and table["reached"].iloc[1:].sum() > 0


def _weight_decay(table: pd.DataFrame) -> bool:
    """Some moderate decay is faster than the smallest; the largest kills analogy but not
    composition."""
    moderate = table.iloc[1:-1]
    faster = any(s < table["slowness"].iloc[0] for s in moderate["slowness"])
    top = table.iloc[-1]
    return faster and top["reached"] == 0 and top["composed"] == top["seeds"]


def check_width_depth(tables: Tables, cfg: dict) -> Outcome:
    all_runs = runs(tables, cfg)
    series = {k: one_knob(all_runs, k) for k in MODEL_KNOBS}
    tables_by_knob = {k: speed(series[k], k) for k in MODEL_KNOBS}
    worse = {k: any(s > t["slowness"].iloc[0] for s in t["slowness"].iloc[1:])
             for k, t in tables_by_knob.items()}
    counts = {k: len(t) for k, t in tables_by_knob.items()}
    widest = max(counts, key=counts.get)
    met = any(worse[k] and counts[k] >= 2 for k in MODEL_KNOBS)
    return judge(met, [at_least("d_model or n_layer values", counts[widest], 2),
                       at_least("seeds per value",
                                int(tables_by_knob[widest]["seeds"].min()), SEEDS_PER_POINT),
                       _epochs(cfg, pd.concat(series.values())["model"])],
                 " | ".join(f"{k} {_describe(t)}" for k, t in tables_by_knob.items()))


def _summary(frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The summary rows of the base task and model: the sweep's base, else the pair with the
    most seeds (sweep points have fewer seeds and other settings)."""
    summary = frame[frame["kind"] == "summary"]
    sweep = cfg.get("sweep") or {}
    base = summary[(summary["task"] == sweep.get("task")) & (summary["model"] == sweep.get("model"))]
    if base.empty:
        best = summary.sort_values("n_seeds", ascending=False, kind="stable").iloc[0]
        base = summary[(summary["task"] == best["task"]) & (summary["model"] == best["model"])]
    return base


def _interval(mean: float, low: float, high: float, unit: str = "") -> str:
    return f"{mean:.3g}{unit} (95 % [{low:.3g}, {high:.3g}])" if np.isfinite(mean) else "—"


def check_stage_order(tables: Tables, cfg: dict) -> Outcome:
    frame = tables["stage_statistics.csv"]
    summary = _summary(frame, cfg).iloc[0]
    seeds = frame[(frame["kind"] == "seed") & (frame["task"] == summary["task"])
                  & (frame["model"] == summary["model"])]
    n, k = int(summary["n_seeds"]), int(summary["n_ordered"])
    out_of_order = seeds[(seeds["all_reached"] == 1) & (seeds["ordered"] == 0)]
    fraction = _interval(k / n, summary["ordered_low"], summary["ordered_high"])
    lag, gap = (_interval(*(summary[f"{column}{end}"] for end in ("", "_low", "_high")), unit)
                for column, unit in (("composition_lag", " epochs"), ("composition_gap", "")))
    measured = (f"{summary['task']}/{summary['model']}: {k} of {n} seeds in the order "
                f"memorisation ≤ composition ≤ analogy, fraction {fraction} (Wilson); "
                f"{int(seeds['all_reached'].sum())} reach every stage; held-out composition "
                f"after memorisation by {lag}, mean accuracy gap {gap} (bootstrap over seeds)"
                + "".join(f"; seed {r.seed:g}: memorisation {r.id_atomic_epoch:g}, composition "
                          f"{r.near_ood_compositional_epoch:g}, analogy "
                          f"{r.ood_analogical_epoch:g}" for r in out_of_order.itertuples()))
    # seeds that miss a stage might reach it with more training; seeds out of order would not
    epochs = _epochs(cfg, [summary["model"]])
    unreached = bool((seeds["all_reached"] == 0).any())
    needs = [at_least("seeds", n, MIN_SEEDS)] + ([epochs] if unreached else [])
    info = [] if unreached else [f"epochs: {epochs.have} (the paper: {PAPER_EPOCHS})"]
    return judge(bool(summary["ordered_low"] > 0.5), needs, measured, info)


def _energy_outcome(rows: pd.DataFrame, summary: pd.Series, cfg: dict) -> Outcome:
    """One energy variant's verdict: it falls in at least half the seeds and before analogy,
    the bootstrap interval of the mean lag above 0."""
    n, falls, lags = int(summary["n_seeds"]), int(summary["n_falls"]), int(summary["n_lags"])
    reached = int(rows["analogy_epoch"].notna().sum())
    if 2 * falls < n:
        measured = (f"does not fall in {n - falls} of {n} seeds (peak epochs "
                    + ", ".join(f"{e:g}" for e in rows["peak_epoch"]) + ")")
        met = False
    else:
        lag = _interval(summary["lag"], summary["lag_low"], summary["lag_high"], " epochs")
        met = bool(summary["lag_low"] > 0)
        measured = (f"falls in {falls} of {n} seeds, analogy reached in {reached}; analogy "
                    f"onset − energy fall {lag} from {lags} seeds"
                    + ("" if met else ": the interval does not exclude 0 from above"))
    return judge(met, [at_least("seeds", n, MIN_SEEDS), _epochs(cfg, [summary["model"]])],
                 measured)


def check_dirichlet(tables: Tables, cfg: dict) -> Outcome:
    frame = tables["energy_statistics.csv"]
    summary = _summary(frame, cfg).set_index("variant")
    first = summary.iloc[0]
    seeds = frame[(frame["kind"] == "seed") & (frame["task"] == first["task"])
                  & (frame["model"] == first["model"])]
    return combine({f"{first['task']}/{first['model']} {variant}": _energy_outcome(
        seeds[seeds["variant"] == variant], summary.loc[variant], cfg)
        for variant in NORM_CONTROLLED if variant in summary.index})


def check_attention(tables: Tables, cfg: dict) -> Outcome:
    """Over the runs of the sweep's base task and model (every run without a sweep): the
    sweep points vary the settings the claim is not about."""
    frame = tables["stage_order.csv"]
    sweep = cfg.get("sweep") or {}
    if sweep:
        frame = frame[(frame["task"] == sweep["task"]) & (frame["model"] == sweep["model"])]
    reached = frame[frame["analogy_epoch"].notna()]
    attention = reached["attention_to_source_before_analogy"].astype(bool)
    parallel = reached["parallelism_ov_before_analogy"].astype(bool)
    which = f"{sweep['task']}/{sweep['model']}: " if sweep else ""
    return judge(not reached.empty and bool((attention & parallel).all()),
                 [_epochs(cfg, frame["model"])],
                 f"{which}of {len(reached)} runs reaching analogy: attention <f> → source rises "
                 f"before it in {int(attention.sum())}, parallelism in {int(parallel.sum())}")


def _tables(*names: str) -> Callable[[dict], list[str]]:
    return lambda cfg: [f"{name}.csv" for name in names]


CLAIMS = [
    Claim("stage_ordering",
          "Training memorises the in-distribution facts, then composes, then reasons by "
          "analogy on held-out analogical facts.",
          "memorisation ≤ composition ≤ analogy (first threshold crossings of ID atomic, "
          "held-out compositional and held-out analogical accuracy) in most seeds: the Wilson "
          "95 % interval of the fraction of seeds in order above 1/2, ≥ 8 seeds",
          check_stage_order, _tables("stage_statistics")),
    Claim("dirichlet_energy",
          "The Dirichlet energy of the entity embeddings over the functor graph falls, and "
          "analogical accuracy rises after it.",
          "for each norm-controlled energy (normalised embeddings as the anchor; raw energy / "
          "mean squared norm; centred embeddings): it falls in at least half the seeds and "
          "held-out analogy reaches the threshold after the fall, the bootstrap 95 % interval "
          "of the mean lag above 0, ≥ 8 seeds",
          check_dirichlet, _tables("energy_statistics")),
    Claim("attention_parallelism",
          "Attention from <f> to the source rises before behavioural success; the parallelism "
          "measure grows with accuracy.",
          "both onsets before the analogy epoch, in every run of the base task and model that "
          "reaches analogy",
          check_attention, _tables("stage_order")),
    Claim("entity_count", "More entities slow analogy down.",
          "analogy later (or rarer) with the most entities than with the fewest",
          knob_claim("num_entities", _slower), _tables("threshold_epochs")),
    Claim("relation_count",
          "Too few relation types prevent analogy; very many can make it transient.",
          "no seed reaches analogy at the fewest relations while more relations do; "
          "transient runs reported",
          knob_claim("num_relations", _too_few_relations), _tables("threshold_epochs")),
    Claim("analogical_ood_ratio", "A higher analogical OOD ratio makes generalisation harder.",
          "analogy later (or rarer) at the highest ratio than at the lowest",
          knob_claim("analogical_ood_ratio", _slower), _tables("threshold_epochs")),
    Claim("weight_decay",
          "Moderate weight decay speeds analogy up; excessive weight decay kills it while "
          "composition survives.",
          "a moderate decay faster than the smallest; at the largest no analogy, every seed "
          "composes (sweep 0, 0.01, 0.1, 1)",
          knob_claim("weight_decay", _weight_decay, min_values=3), _tables("threshold_epochs")),
    Claim("batch_size", "Larger batches speed acquisition.",
          "analogy earlier with the largest batch than the smallest (sweep 32-256)",
          knob_claim("batch_size", lambda t: _slower(t, high=False)),
          _tables("threshold_epochs")),
    Claim("learning_rate", "Learning rates that are too high block generalisation.",
          "no seed reaches analogy at the highest learning rate while a lower one does "
          "(sweep 1e-4 to 1e-1)",
          knob_claim("lr", _blocked_at_top), _tables("threshold_epochs")),
    Claim("width_depth",
          "Wider or deeper models can do worse at analogy under fixed settings.",
          "some larger d_model or n_layer reaches analogy later (or rarer) than the smallest",
          check_width_depth, _tables("threshold_epochs")),
]
