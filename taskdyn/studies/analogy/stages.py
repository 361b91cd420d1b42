"""Stage and energy statistics across seeds, from the long dynamics table and the threshold
crossings (pandas in, pandas out; `jobs.make_statistics` writes them).

- `stage_statistics`: per seed, the epoch each fact type first reaches the threshold, whether
  the seed learns in the order memorise ≤ compose ≤ analogise (`jobs.STAGES`), and how far
  held-out composition lags memorisation; per task and model, the fraction of seeds in order
  with a Wilson 95 % interval and the mean lags with percentile-bootstrap 95 % intervals over
  seeds.
- `energy_statistics`: per seed and energy variant (`analysis.dirichlet.ENERGY_VARIANTS`), when
  the energy falls (`analysis.statistics.fall_epoch`), when held-out analogy reaches the
  threshold, and the lag between them; per task, model and variant the mean lag with a
  percentile-bootstrap 95 % interval over seeds.

Rows have `kind` `seed` (one run) or `summary` (its task and model, `seed` empty); a summary
row's value columns hold the fraction or mean over seeds, and `<column>_low`, `<column>_high`
its interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.studies.analogy.analysis.dirichlet import ENERGY_VARIANTS
from taskdyn.studies.analogy.analysis.statistics import (
    bootstrap_mean,
    fall_epoch,
    mean_gap,
    wilson_interval,
)
from taskdyn.tasks.knowledge_graph import FACT_TYPES

RUN_KEYS = ["task", "model", "seed"]
# The fact type whose accuracy marks each stage of learning.
STAGES = {"memorisation": "id_atomic", "composition": "near_ood_compositional",
          "analogy": "ood_analogical"}
INTERVALS = {"ordered": "Wilson score 95 %",
             "lags": "percentile bootstrap 95 % over seeds, 10,000 resamples, seed 0"}


def stage_statistics(long: pd.DataFrame, crossings: pd.DataFrame) -> pd.DataFrame:
    """Per seed: `<fact type>_epoch` for every fact type (NaN: never), `all_reached` (1 or 0:
    every stage reached), `ordered` (1 or 0: every stage reached and memorisation ≤ composition
    ≤ analogy), `composition_lag` (held-out
    composition's crossing epoch minus memorisation's) and `composition_gap` (mean of memorised
    minus held-out composition accuracy over training, `analysis.statistics.mean_gap`); then a
    summary row per task and model (module docstring) with `n_seeds`, `n_ordered`."""
    rows = []
    accuracy = long[long["metric"] == "accuracy"]
    for (task, model, seed), group in crossings.groupby(RUN_KEYS, sort=False):
        epochs = dict(zip(group["split"], group["epoch"]))
        stage = {name: epochs.get(kind, np.nan) for name, kind in STAGES.items()}
        run = accuracy[(accuracy["task"] == task) & (accuracy["model"] == model)
                       & (accuracy["seed"] == seed)]
        curves = run.pivot_table(index="epoch", columns="split", values="value")
        kinds = (STAGES["memorisation"], STAGES["composition"])
        gap = (mean_gap(curves.index.to_numpy(), curves[kinds[0]].to_numpy(),
                        curves[kinds[1]].to_numpy())
               if set(kinds) <= set(curves.columns) else np.nan)
        reached = all(np.isfinite(v) for v in stage.values())
        rows.append({"task": task, "model": model, "seed": seed, "kind": "seed",
                     **{f"{kind}_epoch": epochs.get(kind, np.nan) for kind in FACT_TYPES
                        if kind in epochs},
                     "all_reached": float(reached),
                     "ordered": float(reached and stage["memorisation"]
                                      <= stage["composition"] <= stage["analogy"]),
                     "composition_lag": stage["composition"] - stage["memorisation"],
                     "composition_gap": gap})
    seeds = pd.DataFrame(rows)
    summaries = [_stage_summary(task, model, group)
                 for (task, model), group in seeds.groupby(["task", "model"], sort=False)]
    return pd.concat([seeds, pd.DataFrame(summaries)], ignore_index=True)


def _stage_summary(task: str, model: str, seeds: pd.DataFrame) -> dict:
    """The summary row of one task and model's seed rows."""
    n, k = len(seeds), int(seeds["ordered"].sum())
    low, high = wilson_interval(k, n)
    row = {"task": task, "model": model, "seed": np.nan, "kind": "summary", "n_seeds": n,
           "n_ordered": k, "ordered": k / n, "ordered_low": low, "ordered_high": high}
    for column in ("composition_lag", "composition_gap"):
        row[column], row[f"{column}_low"], row[f"{column}_high"] = bootstrap_mean(
            seeds[column].to_numpy())
        row[f"n_{column}"] = int(np.isfinite(seeds[column].to_numpy(dtype=float)).sum())
    return row


def energy_statistics(long: pd.DataFrame, crossings: pd.DataFrame,
                      fraction: float = 0.5) -> pd.DataFrame:
    """Per seed and energy variant the history has: `peak_epoch`, `peak`, `final`,
    `fall_epoch` (`analysis.statistics.fall_epoch` at `fraction`; NaN: it never falls),
    `analogy_epoch` (held-out analogy reaches the threshold; NaN: never) and `lag` =
    analogy − fall epoch (positive: the energy falls first); then a summary row per task,
    model and variant (module docstring) with `n_seeds`, `n_falls`, `n_lags` and the mean lag."""
    energy = long[long["metric"].isin(list(ENERGY_VARIANTS))]
    analogy = crossings[crossings["split"] == STAGES["analogy"]].set_index(RUN_KEYS)["epoch"]
    rows = []
    for (task, model, seed, variant), curve in energy.groupby(RUN_KEYS + ["metric"],
                                                                sort=False):
        curve = curve.sort_values("epoch")
        epochs, values = curve["epoch"].to_numpy(), curve["value"].to_numpy()
        fall = fall_epoch(epochs, values, fraction)
        onset = float(analogy.get((task, model, seed), np.nan))
        peak = int(np.nanargmax(values))
        rows.append({"task": task, "model": model, "seed": seed, "kind": "seed",
                     "variant": variant, "peak_epoch": epochs[peak], "peak": values[peak],
                     "final": values[-1], "fall_epoch": fall, "analogy_epoch": onset,
                     "lag": onset - fall})
    seeds = pd.DataFrame(rows, columns=RUN_KEYS + ["kind", "variant", "peak_epoch", "peak",
                                                   "final", "fall_epoch", "analogy_epoch",
                                                   "lag"])
    summaries = []
    for (task, model, variant), group in seeds.groupby(["task", "model", "variant"],
                                                      sort=False):
        mean, low, high = bootstrap_mean(group["lag"].to_numpy())
        summaries.append({"task": task, "model": model, "seed": np.nan, "kind": "summary",
                          "variant": variant, "n_seeds": len(group),
                          "n_falls": int(group["fall_epoch"].notna().sum()),
                          "n_lags": int(group["lag"].notna().sum()), "lag": mean,
                          "lag_low": low, "lag_high": high})
    return pd.concat([seeds, pd.DataFrame(summaries)], ignore_index=True)
