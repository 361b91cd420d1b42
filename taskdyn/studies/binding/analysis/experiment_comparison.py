"""Compare experiments (groups of trained models): per-group summaries and rank tests (scipy)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats


def summarise(values: pd.DataFrame, group: str, metrics: list[str]) -> pd.DataFrame:
    """Long table `group, metric, n, mean, std, median, min, max` of each metric per group."""
    long = values.melt(id_vars=[group], value_vars=metrics, var_name="metric")
    summary = long.groupby([group, "metric"])["value"].agg(
        ["count", "mean", "std", "median", "min", "max"]).reset_index()
    return summary.rename(columns={"count": "n"})


def rank_tests(values: pd.DataFrame, group: str, metrics: list[str]) -> pd.DataFrame:
    """Kruskal–Wallis across all groups and two-sided Mann–Whitney U for each pair, per metric.

    Long table `metric, test, group_a, group_b, statistic, p_value` (group_b empty for
    Kruskal–Wallis). Where every value is tied, no ranks differ: statistic 0 and p = 1 are
    reported (scipy's Kruskal–Wallis would return NaN). NaN values are dropped first.
    """
    rows = []
    for metric in metrics:
        samples = {name: g[metric].dropna().to_numpy(float) for name, g in values.groupby(group)}
        samples = {k: v for k, v in samples.items() if len(v)}
        if len(samples) < 2:
            continue
        pooled = np.concatenate(list(samples.values()))
        if np.all(pooled == pooled[0]):
            statistic, p_value = 0.0, 1.0
        else:
            statistic, p_value = stats.kruskal(*samples.values())
        rows.append({"metric": metric, "test": "kruskal", "group_a": "all", "group_b": "",
                     "statistic": float(statistic), "p_value": float(p_value)})
        for a, b in itertools.combinations(sorted(samples), 2):
            result = stats.mannwhitneyu(samples[a], samples[b], alternative="two-sided")
            rows.append({"metric": metric, "test": "mannwhitneyu", "group_a": a, "group_b": b,
                         "statistic": float(result.statistic), "p_value": float(result.pvalue)})
    return pd.DataFrame(rows, columns=["metric", "test", "group_a", "group_b", "statistic",
                                       "p_value"])
