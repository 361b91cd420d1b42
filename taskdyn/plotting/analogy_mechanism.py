"""Figure of the analogy study's functor mechanism over training, under its accuracy curves.

Reads the long tables of `taskdyn.studies.analogy.jobs`: mechanism (task, model, seed, epoch,
split, metric, layer, head, value), dynamics (… split, metric, value), threshold crossings and
the stage order with the mechanism onsets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt
from taskdyn.plotting.analogy import _epoch_axis
from taskdyn.studies.analogy.mechanism import summary_curves

ANALOGY_SPLITS = {"id_analogical": ("ID", "-"), "ood_analogical": ("held-out", "--")}
ROWS = (("accuracy", "analogical accuracy\n(▼ reaches threshold)"),
        ("attention_to_source", "attention <f> → source"),
        ("parallelism", "parallelism\ncos(u_f(e) − s, x_<f>)"),
        ("isometry", "isometry: r, ρ(d_E1, d_E2)"))
# whole-functor isometry curves: metric → colour, line style, legend label
ISOMETRY_CURVES = {"isometry": ("tab:purple", "-", "Pearson r (all f-pairs)"),
                   "isometry_spearman": ("tab:green", ":", "Spearman ρ (all f-pairs)")}


def plot_mechanism(mechanism: pd.DataFrame, dynamics: pd.DataFrame, crossings: pd.DataFrame,
                   stages: pd.DataFrame, title: str) -> plt.Figure:
    """Analogical accuracy (top) and the mechanism measures below it, one column per seed.

    Rows: ID (solid) and held-out (dashed) analogical accuracy (pale: p(correct)), with ▼ where
    each reaches the threshold; attention from `<f>` to the source per layer/head (colour) and prompt split
    (line style); parallelism per head (s = the head's OV output of the source) and the
    parallelogram score (black, s = the source's embedding); isometry of E1 and E2, the Pearson
    (solid) and Spearman rank (dotted) correlation of their pairwise distances. Grey
    vertical lines mark the analogy crossings in every row (solid ID, dashed held-out); ▲ marks
    each measure's onset on the curve that `stage_order.csv` times (the functor head on the
    held-out prompts).
    """
    seeds = sorted(mechanism["seed"].unique()) or sorted(dynamics["seed"].unique())
    fig, axes = plt.subplots(len(ROWS), len(seeds), figsize=(3.3 * len(seeds) + 2.4, 8.4),
                             sharex=True, sharey="row", squeeze=False)
    heads = mechanism.dropna(subset=["layer"])[["layer", "head"]].drop_duplicates()
    head_colors = {(int(layer), int(head)): plt.cm.tab10(i % 10)
                   for i, (layer, head) in enumerate(sorted(heads.itertuples(index=False)))}
    for col, seed in enumerate(seeds):
        run = mechanism[mechanism["seed"] == seed]
        _accuracy_panel(axes[0, col], dynamics[dynamics["seed"] == seed],
                        crossings[crossings["seed"] == seed])
        for (layer, head), color in head_colors.items():
            label = f"L{layer} H{head}"
            for metric, row in (("attention_to_source", 1), ("parallelism_ov", 2)):
                _split_curves(axes[row, col], run[(run["metric"] == metric)
                                                  & (run["layer"] == layer)
                                                  & (run["head"] == head)], color, label)
        _split_curves(axes[2, col], run[run["metric"] == "parallelogram"], "black",
                      "parallelogram (s = x_e)")
        for metric, (color, style, label) in ISOMETRY_CURVES.items():
            iso = run[run["metric"] == metric].sort_values("epoch")
            axes[3, col].plot(iso["epoch"], iso["value"], color=color, ls=style, lw=1.3,
                              label=label)
        _mark_onsets(axes, run, stages[stages["seed"] == seed], col)
        _mark_crossings(axes[:, col], crossings[crossings["seed"] == seed])
        axes[0, col].set_title(f"seed {seed}")
        axes[-1, col].set_xlabel("epoch")
    _epoch_axis(axes[0, 0], pd.concat([mechanism["epoch"], dynamics["epoch"]]))
    for row, (_, label) in enumerate(ROWS):
        axes[row, 0].set_ylabel(label)
        handles, labels = axes[row, -1].get_legend_handles_labels()
        unique = {label: handle for label, handle in zip(labels, handles)
                  if row == 0 or "reaches threshold" not in label}
        axes[row, -1].legend(unique.values(), unique.keys(), frameon=False, fontsize=7,
                             loc="upper left", bbox_to_anchor=(1.02, 1))
    axes[0, 0].set_ylim(-0.04, 1.04)
    axes[1, 0].set_ylim(-0.04, 1.04)
    axes[3, 0].set_ylim(-1.04, 1.04)
    fig.suptitle(f"{title}: functor mechanism over training")
    fig.tight_layout()
    return fig


def _accuracy_panel(ax: plt.Axes, dynamics: pd.DataFrame, crossings: pd.DataFrame) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        for metric, alpha, label in (("accuracy", 1.0, "accuracy"), ("prob", 0.4, "p(correct)")):
            curve = dynamics[(dynamics["split"] == split) & (dynamics["metric"] == metric)]
            curve = curve.sort_values("epoch")
            ax.plot(curve["epoch"], curve["value"], color="tab:red", lw=1.4, ls=style,
                    alpha=alpha, label=f"{name} {label}")
    marks = crossings[crossings["split"].isin(ANALOGY_SPLITS)].dropna(subset=["epoch"])
    for _, mark in marks.iterrows():
        held_out = mark["split"] == "ood_analogical"
        ax.plot(mark["epoch"], mark["threshold"], marker="v", ms=6, color="tab:red",
                mfc="white" if held_out else "tab:red", ls="none")


def _split_curves(ax: plt.Axes, rows: pd.DataFrame, color, label: str) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        curve = rows[rows["split"] == split].sort_values("epoch")
        if len(curve):
            ax.plot(curve["epoch"], curve["value"], color=color, ls=style, lw=1.3,
                    label=f"{label}, {name} prompts")


def _mark_onsets(axes: np.ndarray, run: pd.DataFrame, stages: pd.DataFrame, col: int) -> None:
    """▲ at each summary curve's onset epoch (stage_order.csv), on that curve."""
    if stages.empty:
        return
    onsets = stages.iloc[0]
    curves = summary_curves(run)
    for metric, row in (("attention_to_source", 1), ("parallelism_ov", 2),
                        ("parallelogram", 2), ("isometry", 3), ("isometry_spearman", 3)):
        epoch = onsets.get(f"{metric}_onset_epoch", np.nan)
        if metric in curves and np.isfinite(epoch) and epoch in curves[metric].index:
            axes[row, col].plot(epoch, curves[metric].loc[epoch], marker="^", ms=7,
                                color="0.15", mfc="gold", ls="none", zorder=4,
                                label="onset (half-rise)")


def _mark_crossings(column: np.ndarray, crossings: pd.DataFrame) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        epoch = crossings.loc[crossings["split"] == split, "epoch"].dropna()
        for ax in column:
            for value in epoch:
                ax.axvline(value, color="0.55", lw=0.8, ls=style, zorder=0,
                           label=f"{name} analogy reaches threshold")
