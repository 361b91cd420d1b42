"""CtDB figures: MultiTask success per subtask and RandomTarget hand paths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskdyn.plotting import plt


def plot_multitask_performance(table: pd.DataFrame, subtasks: list[str], title: str) -> plt.Figure:
    """Grouped bars of the mean success rate over seeds; `table` is the long per-subtask table.

    `subtasks` fixes the x order (those absent from the table are skipped).
    """
    rows = table[table["metric"] == "success_rate"]
    order = [s for s in subtasks if s in set(rows["subtask"])]
    models = list(dict.fromkeys(rows["model"]))
    width = 0.8 / len(models)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * len(order) * max(1, len(models) / 3), 3.8))
    x = np.arange(len(order))
    for k, model in enumerate(models):
        mine = rows[rows["model"] == model]
        offset = x - 0.4 + width * (k + 0.5)
        means = mine.groupby("subtask")["value"].mean().reindex(order)
        ax.bar(offset, means.to_numpy(), width, color=colors[k % len(colors)], alpha=0.75,
               label=model)
        for row in mine.itertuples():
            ax.scatter(offset[order.index(row.subtask)], row.value, s=6, color="black",
                       zorder=3)
    ax.set_xticks(x, order, rotation=45, ha="right")
    ax.set(ylabel="success rate (held-out trials)", ylim=(0, 1.05))
    ax.legend(frameon=False, ncols=len(models), fontsize=7, loc="lower right",
              bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def plot_reaches(runs: list[dict[str, Any]], title: str, n_trials: int = 6) -> plt.Figure:
    """One row per run, columns: unperturbed and bumped non-catch trials (first `n_trials` each).

    Each run maps `name`, `outputs` (hand x/y `[trial, time, 2]`), and per trial `catch`,
    `bumped`, `bump_start`, `start_x`/`start_y`, `target_x`/`target_y`.
    """
    fig, axes = plt.subplots(len(runs), 2, figsize=(7.2, 3.3 * len(runs)), squeeze=False,
                             sharex=True, sharey=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, run in enumerate(runs):
        reach = run["catch"] == 0
        for col, (bumped, label) in enumerate(((0, "no bump"), (1, "bumped"))):
            ax = axes[row, col]
            chosen = np.flatnonzero(reach & (run["bumped"] == bumped))[:n_trials]
            for k, trial in enumerate(chosen):
                c = colors[k % len(colors)]
                hand = run["outputs"][trial]
                ax.plot(hand[:, 0], hand[:, 1], color=c, lw=1.0)
                ax.plot(run["start_x"][trial], run["start_y"][trial], "o", mfc="none", color=c,
                        ms=5)
                ax.plot(run["target_x"][trial], run["target_y"][trial], "x", color=c, ms=6,
                        mew=1.5)
                if bumped:
                    onset = hand[run["bump_start"][trial]]
                    ax.plot(onset[0], onset[1], "^", color=c, ms=5)
            ax.set_title(f"{run['name']}: {label} (n={len(chosen)})", fontsize=8)
            ax.set_aspect("equal", adjustable="box")
    for ax in axes[-1]:
        ax.set_xlabel("hand x (m)")
    for ax in axes[:, 0]:
        ax.set_ylabel("hand y (m)")
    handles = [plt.Line2D([], [], marker=m, ls="", color="0.3", mfc=f, label=lab)
               for m, f, lab in (("o", "none", "start"), ("x", "0.3", "target"),
                                 ("^", "0.3", "bump onset"))]
    axes[0, 1].legend(handles=handles, frameon=False, fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
