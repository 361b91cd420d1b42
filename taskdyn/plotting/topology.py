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
            part = diagrams[(diagrams["cloud"] == cloud) & (diagrams["task"] == task)]
            first = part.sort_values(["model", "seed"]).iloc[0]
            part = part[(part["model"] == first["model"]) & (part["seed"] == first["seed"])]
            _diagram_panel(axes[r, c], part,
                           f"{cloud} · {task}\n{first['model']} seed {first['seed']}")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _diagram_panel(ax: plt.Axes, bars_of: pd.DataFrame, title: str) -> None:
    """One network's H0 and H1 bars (rows `dim, birth, death`) as a persistence diagram."""
    finite = np.isfinite(bars_of["death"])
    top = 1.1 * max(bars_of.loc[finite, "death"].max(), 1e-9)
    for dim, color in ((0, "tab:blue"), (1, "tab:orange")):
        bars = bars_of[bars_of["dim"] == dim]
        death = np.where(np.isfinite(bars["death"]), bars["death"], top)
        ax.scatter(bars["birth"], death, s=12, color=color, label=f"H{dim}", alpha=0.8)
    ax.plot([0, top], [0, top], color="0.5", lw=0.8)
    ax.axhline(top, color="0.6", lw=0.8, ls="--")
    ax.set(xlabel="birth", ylabel="death", xlim=(-0.02 * top, top),
           ylim=(-0.02 * top, 1.05 * top), title=title)
    ax.legend(frameon=False, fontsize=7, loc="lower right")


def plot_hidden_topology(diagrams: pd.DataFrame, distances: pd.DataFrame,
                         title: str) -> plt.Figure:
    """A task's hidden-state topology: the persistence diagram of each model's first seed,
    then the H0 + H1 Wasserstein and bottleneck distances between every pair of networks.

    `diagrams`: rows `model, seed, dim, birth, death`; `distances`: rows `metric, dim,
    model_a, seed_a, model_b, seed_b, value` (dim "all" is drawn).
    """
    firsts = diagrams.sort_values(["model", "seed"]).drop_duplicates("model")
    metrics = list(dict.fromkeys(distances["metric"])) if len(distances) else []
    n_panels = len(firsts) + len(metrics)
    fig, axes = plt.subplots(1, n_panels, figsize=(3.3 * n_panels, 3.2), squeeze=False)
    for ax, first in zip(axes[0], firsts.itertuples()):
        part = diagrams[(diagrams["model"] == first.model) & (diagrams["seed"] == first.seed)]
        _diagram_panel(ax, part, f"{first.model} seed {first.seed}")
    runs = sorted({(m, s) for m, s in zip(diagrams["model"], diagrams["seed"])})
    index = {run: i for i, run in enumerate(runs)}
    names = [f"{m}/seed{s}" for m, s in runs]
    for ax, metric in zip(axes[0][len(firsts):], metrics):
        part = distances[(distances["metric"] == metric) & (distances["dim"].astype(str) == "all")]
        matrix = np.zeros((len(runs), len(runs)))
        for row in part.itertuples():
            a, b = index[(row.model_a, row.seed_a)], index[(row.model_b, row.seed_b)]
            matrix[a, b] = matrix[b, a] = row.value
        image = ax.imshow(matrix, cmap="viridis")
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=6)
        ax.set_yticks(range(len(names)), names, fontsize=6)
        ax.set_title(f"{metric} distance (H0 + H1)", fontsize=9)
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
