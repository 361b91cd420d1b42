"""The analogy study's rule functions: training histories → long tables → figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.analysis.training_dynamics import arises_after, first_crossing
from taskdyn.io import read_table, write_table
from taskdyn.plotting import save_figure
from taskdyn.provenance import provenance
from taskdyn.studies.analogy.mechanism import PREFIX, mechanism_long, mechanism_onsets
from taskdyn.studies.analogy.plotting import (
    plot_dynamics,
    plot_energy,
    plot_mechanism,
    plot_sweep,
)
from taskdyn.studies.analogy.stages import (
    INTERVALS,
    RUN_KEYS,
    STAGES,
    energy_statistics,
    stage_statistics,
)
from taskdyn.tasks.knowledge_graph import FACT_TYPES


def dynamics_long(history: pd.DataFrame) -> pd.DataFrame:
    """A training history (one row per epoch) as long rows: epoch, split, metric, value.

    `train_loss` becomes split `train`, metric `loss`; `dirichlet_energy` and its variants
    (`dirichlet_energy_<variant>`) split `functor`, metric the column's name;
    `val_<fact type>_<metric>` split `<fact type>`. Epochs without a value give no row. The
    mechanism columns (`mechanism/...`) are left out: `mechanism.mechanism_long` reads them.
    """
    history = history.drop(columns=[c for c in history.columns if c.startswith(PREFIX)])
    long = history.melt(id_vars="epoch", var_name="column", value_name="value").dropna()
    parts = [("train", "loss") if c == "train_loss" else ("functor", c)
             if c.startswith("dirichlet_energy") else tuple(c.removeprefix("val_").rsplit("_", 1))
             for c in long["column"]]
    long["split"], long["metric"] = [p[0] for p in parts], [p[1] for p in parts]
    return long[["epoch", "split", "metric", "value"]].sort_values(
        ["epoch", "split", "metric"], kind="stable").reset_index(drop=True)


def make_tables(*, histories: list[str], runs: list[list], threshold: float,
                onset_fraction: float, dynamics: str, final: str, crossings: str, stages: str,
                mechanism: str) -> None:
    """Long dynamics and mechanism tables, final scores, first threshold crossings and the
    stage order per run, with the onset epochs of the mechanism measures beside the stages.

    `runs[i]` is the (task, model, seed) of `histories[i]`; a mechanism measure's onset is the
    epoch it has covered `onset_fraction` of its rise (`mechanism.mechanism_onsets`).
    """
    tables = [read_table(path) for path in histories]
    for path, table in zip(histories, tables):
        if not any(c.startswith(PREFIX) for c in table.columns):
            raise ValueError(f"{path} has no mechanism columns ({PREFIX}...): it was trained "
                             f"before they were logged; retrain it (e.g. snakemake --forcerun "
                             f"train_model, or delete the analogy models)")
    long = pd.concat([dynamics_long(table).assign(task=t, model=m, seed=s)
                      for table, (t, m, s) in zip(tables, runs)], ignore_index=True)
    long = long[RUN_KEYS + ["epoch", "split", "metric", "value"]]
    mech = pd.concat([mechanism_long(table, path).assign(task=t, model=m, seed=s)
                      for path, table, (t, m, s) in zip(histories, tables, runs)],
                     ignore_index=True)
    mech = mech[RUN_KEYS + ["epoch", "split", "metric", "layer", "head", "value"]]
    prov = provenance({"runs": runs, "threshold": threshold, "onset_fraction": onset_fraction})
    write_table(mechanism, mech, prov)
    write_table(dynamics, long, prov)
    scored = long[long["split"] != "train"]
    last = scored.groupby(RUN_KEYS)["epoch"].transform("max")
    write_table(final, scored[scored["epoch"] == last], prov)
    crossing = threshold_crossings(long, threshold)
    write_table(crossings, crossing, prov)
    write_table(stages, stage_order(crossing, mechanism_onsets(mech, onset_fraction)), prov)


def make_statistics(*, dynamics: str, crossings: str, fall_fraction: float, stages: str,
                    energy: str) -> None:
    """Stage statistics (per seed and across seeds) and the energy's fall against analogy onset
    per energy variant (`stages`), from the long dynamics table and the threshold crossings."""
    long, cross = read_table(dynamics), read_table(crossings)
    prov = provenance({"fall_fraction": fall_fraction}, intervals=INTERVALS)
    write_table(stages, stage_statistics(long, cross), prov)
    write_table(energy, energy_statistics(long, cross, fall_fraction), prov)


def threshold_crossings(long: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Per run and fact type: the first epoch accuracy reaches `threshold`, and its final value."""
    accuracy = long[long["metric"] == "accuracy"]
    rows = []
    for (task, model, seed, split), group in accuracy.groupby(RUN_KEYS + ["split"], sort=False):
        group = group.sort_values("epoch")
        rows.append({"task": task, "model": model, "seed": seed, "split": split,
                     "threshold": threshold,
                     "epoch": first_crossing(group["epoch"].to_numpy(),
                                             group["value"].to_numpy(), threshold),
                     "final_accuracy": float(group["value"].iloc[-1])})
    table = pd.DataFrame(rows)
    order = {kind: i for i, kind in enumerate(FACT_TYPES)}
    return table.sort_values(RUN_KEYS + ["split"], key=lambda c: c.map(order)
                             if c.name == "split" else c, kind="stable").reset_index(drop=True)


def stage_order(crossings: pd.DataFrame, onsets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per run: the epoch each stage (STAGES) is reached and whether analogy follows composition.

    With `onsets` (per run `<metric>_onset_epoch`, `mechanism.mechanism_onsets`) those columns
    are added, and `<metric>_before_analogy` for the functor head's attention to the source and
    its parallelism: whether the measure's onset comes strictly before held-out analogical
    accuracy reaches the threshold (False when either never happens).
    """
    rows = []
    for (task, model, seed), group in crossings.groupby(RUN_KEYS, sort=False):
        epochs = dict(zip(group["split"], group["epoch"]))
        reached = {stage: epochs.get(kind, np.nan) for stage, kind in STAGES.items()}
        rows.append({"task": task, "model": model, "seed": seed,
                     **{f"{stage}_epoch": epoch for stage, epoch in reached.items()},
                     "analogy_after_composition": arises_after(reached, "analogy",
                                                               "composition")})
    table = pd.DataFrame(rows)
    if onsets is None:
        return table
    table = table.merge(onsets, on=RUN_KEYS, how="left")
    for metric in ("attention_to_source", "parallelism_ov"):
        table[f"{metric}_before_analogy"] = [
            arises_after({"analogy": a, metric: m}, "analogy", metric)
            for a, m in zip(table["analogy_epoch"], table[f"{metric}_onset_epoch"])]
    return table


def figure_dynamics(*, table: str, crossings: str, task: str, model: str, pdf: str,
                    png: str) -> None:
    """Accuracy and correct-entity probability per fact type over training, one panel per seed."""
    long, cross = read_table(table), read_table(crossings)
    pick = (long["task"] == task) & (long["model"] == model)
    marks = cross[(cross["task"] == task) & (cross["model"] == model)]
    save_figure(plot_dynamics(long[pick], marks, f"analogy · {task} · {model}"), pdf, png)


def figure_mechanism(*, mechanism: str, dynamics: str, crossings: str, stages: str, task: str,
                     model: str, pdf: str, png: str) -> None:
    """Attention to the source, parallelism and isometry over training under the analogical
    accuracy curves, one column per seed, onsets and threshold crossings marked."""
    tables = {name: read_table(path) for name, path in
              (("mechanism", mechanism), ("dynamics", dynamics), ("crossings", crossings),
               ("stages", stages))}
    picked = {name: t[(t["task"] == task) & (t["model"] == model)] for name, t in tables.items()}
    save_figure(plot_mechanism(picked["mechanism"], picked["dynamics"], picked["crossings"],
                               picked["stages"], f"analogy · {task} · {model}"), pdf, png)


def figure_energy(*, table: str, statistics: str, task: str, model: str, pdf: str,
                  png: str) -> None:
    """Dirichlet energy of the f-edges (and its norm-controlled variants) against held-out
    analogical accuracy over training, with when the energy falls and analogy sets in."""
    long, stats = read_table(table), read_table(statistics)
    pick = (long["task"] == task) & (long["model"] == model)
    own = stats[(stats["task"] == task) & (stats["model"] == model)]
    save_figure(plot_energy(long[pick], own, f"analogy · {task} · {model}"), pdf, png)


def figure_sweep(*, final: str, points: list[dict], pdf: str, png: str) -> None:
    """Final accuracy per fact type at every sweep point, one panel per swept knob."""
    final_scores = read_table(final)
    accuracy = final_scores[final_scores["metric"] == "accuracy"]
    table = accuracy.rename(columns={"value": "accuracy"}).merge(pd.DataFrame(points),
                                                                  on=["task", "model"])
    save_figure(plot_sweep(table), pdf, png)
