"""Topology figures: persistence diagrams and heatmaps of pairwise diagram distances."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from taskdyn.plotting import plt


def plot_persistence_diagrams(diagrams: pd.DataFrame, title: str) -> plt.Figure:
    """Rows: point clouds; columns: tasks; the first model × seed of each task, H0 and H1.

    `diagrams`: rows `task, model, seed, cloud, dim, birth, death`; essential bars (death = ∞)
    are drawn on a dashed line above the largest finite death.
    """
    clouds = list(dict.fromkeys(diagrams["cloud"]))
    tasks = sorted(diagrams["task"].unique())
    fig, axes = plt.subplots(len(clouds), len(tasks), figsize=(3.2 * len(tasks), 3.1 * len(clouds)),
                             squeeze=False)
    for r, cloud in enumerate(clouds):
        for c, task in enumerate(tasks):
            ax = axes[r, c]
            part = diagrams[(diagrams["cloud"] == cloud) & (diagrams["task"] == task)]
            first = part.sort_values(["model", "seed"]).iloc[0]
            part = part[(part["model"] == first["model"]) & (part["seed"] == first["seed"])]
            finite = np.isfinite(part["death"])
            top = 1.1 * max(part.loc[finite, "death"].max(), 1e-9)
            for dim, color in ((0, "tab:blue"), (1, "tab:orange")):
                bars = part[part["dim"] == dim]
                death = np.where(np.isfinite(bars["death"]), bars["death"], top)
                ax.scatter(bars["birth"], death, s=12, color=color, label=f"H{dim}", alpha=0.8)
            ax.plot([0, top], [0, top], color="0.5", lw=0.8)
            ax.axhline(top, color="0.6", lw=0.8, ls="--")
            ax.set(xlabel="birth", ylabel="death", xlim=(-0.02 * top, top),
                   ylim=(-0.02 * top, 1.05 * top),
                   title=f"{cloud} · {task}\n{first['model']} seed {first['seed']}")
            ax.legend(frameon=False, fontsize=7, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def distance_matrix(distances: pd.DataFrame) -> tuple[np.ndarray, list[tuple]]:
    """Symmetric matrix from long rows of pairs (`*_a`, `*_b`, `value`), models sorted."""
    keys_a = list(zip(distances["task_a"], distances["model_a"], distances["seed_a"]))
    keys_b = list(zip(distances["task_b"], distances["model_b"], distances["seed_b"]))
    keys = sorted(set(keys_a) | set(keys_b))
    index = {k: i for i, k in enumerate(keys)}
    matrix = np.zeros((len(keys), len(keys)))
    for a, b, v in zip(keys_a, keys_b, distances["value"]):
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = v
    return matrix, keys


def plot_distance_heatmaps(distances: pd.DataFrame, title: str) -> plt.Figure:
    """Heatmaps of the H0 + H1 distance (rows: point clouds, columns: metrics), grouped by task."""
    clouds = list(dict.fromkeys(distances["cloud"]))
    metrics = list(dict.fromkeys(distances["metric"]))
    fig, axes = plt.subplots(len(clouds), len(metrics),
                             figsize=(4.2 * len(metrics), 3.7 * len(clouds)), squeeze=False)
    for ax, (cloud, metric) in zip(axes.ravel(), itertools.product(clouds, metrics)):
        part = distances[(distances["cloud"] == cloud) & (distances["metric"] == metric)
                         & (distances["dim"].astype(str) == "all")]
        matrix, keys = distance_matrix(part)
        image = ax.imshow(matrix, cmap="viridis")
        fig.colorbar(image, ax=ax, shrink=0.8)
        tasks = [k[0] for k in keys]
        starts = [i for i, t in enumerate(tasks) if i == 0 or t != tasks[i - 1]]
        for s in starts[1:]:
            ax.axhline(s - 0.5, color="w", lw=1)
            ax.axvline(s - 0.5, color="w", lw=1)
        ends = starts[1:] + [len(tasks)]
        centres = [(s + e - 1) / 2 for s, e in zip(starts, ends)]
        ax.set_xticks(centres, [tasks[s] for s in starts], rotation=20, fontsize=7)
        ax.set_yticks(centres, [tasks[s] for s in starts], fontsize=7)
        ax.set_title(f"{metric} · {cloud} (H0 + H1)", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
