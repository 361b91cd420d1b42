"""MultiTask performance: success rate per subtask, one bar per model, seeds as dots."""

from __future__ import annotations

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
