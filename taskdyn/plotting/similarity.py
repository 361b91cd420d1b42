"""Model-similarity figure: one matrix and one MDS map per measure, coloured by model family."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt


def family_colors(families: list[str]) -> dict[str, str]:
    """A fixed colour per model family (sorted names, matplotlib's default cycle)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {f: cycle[i % len(cycle)] for i, f in enumerate(sorted(set(families)))}


def plot_similarity(pairs: pd.DataFrame, embedding: pd.DataFrame, labels: dict[str, str],
                    title: str) -> plt.Figure:
    """Top row: pairwise matrices; bottom row: their 2-D MDS maps (points = model × seed).

    `pairs` has columns measure, run_a, family_a, run_b, value; `embedding` has measure, run,
    family, mds_1, mds_2; `labels` names each measure present (in column order).
    """
    measures = [m for m in labels if m in set(pairs["measure"])]
    colors = family_colors(list(embedding["family"]))
    fig, axes = plt.subplots(2, len(measures), figsize=(3.9 * len(measures), 7.4),
                             squeeze=False)
    for col, measure in enumerate(measures):
        rows = pairs[pairs["measure"] == measure]
        runs = list(dict.fromkeys(rows["run_a"]))
        family = dict(zip(rows["run_a"], rows["family_a"]))
        matrix = rows.pivot(index="run_a", columns="run_b", values="value").loc[runs, runs]
        _matrix_panel(axes[0, col], matrix.to_numpy(), runs, [colors[family[r]] for r in runs],
                      labels[measure], "viridis" if measure == "cka" else "magma_r")
        points = embedding[embedding["measure"] == measure]
        _mds_panel(axes[1, col], points, colors)
        axes[1, col].set_title(f"MDS of {labels[measure]}")
    handles = [plt.Line2D([], [], marker="o", ls="", color=c, label=f) for f, c in colors.items()]
    axes[1, -1].legend(handles=handles, title="family", frameon=False, fontsize=7,
                       loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _matrix_panel(ax: plt.Axes, matrix: np.ndarray, runs: list[str], tick_colors: list[str],
                  label: str, cmap: str) -> None:
    image = ax.imshow(matrix, cmap=cmap)
    ax.set_xticks(range(len(runs)), runs, rotation=90, fontsize=6)
    ax.set_yticks(range(len(runs)), runs, fontsize=6)
    for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
        for tick, color in zip(ticks, tick_colors):
            tick.set_color(color)
    if len(runs) <= 10:
        middle = np.nanmean(matrix)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=5,
                    color="white" if (value < middle) == (cmap == "viridis") else "black")
    ax.set_title(label)
    plt.colorbar(image, ax=ax, shrink=0.75)


def _mds_panel(ax: plt.Axes, points: pd.DataFrame, colors: dict[str, str]) -> None:
    for row in points.itertuples():
        ax.scatter(row.mds_1, row.mds_2, color=colors[row.family], s=30, zorder=2)
        ax.annotate(row.run, (row.mds_1, row.mds_2), fontsize=6, xytext=(3, 3),
                    textcoords="offset points")
    ax.margins(0.25)  # room for the run labels, right of the rightmost point
    ax.set(xlabel="MDS 1", ylabel="MDS 2")
    ax.set_aspect("equal", adjustable="datalim")
