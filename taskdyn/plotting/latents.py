"""Latent-state comparisons: PCA scree curves, the pairwise state-R² heatmap and trajectories
mapped into a reference network's latent space."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt


def plot_scree(ratios: dict[str, np.ndarray], title: str) -> plt.Figure:
    """Explained and cumulative variance per PC, one line per model × seed, coloured by model."""
    fig, (ax, ax_cum) = plt.subplots(1, 2, figsize=(9, 3.4))
    models = sorted({name.split("/")[0] for name in ratios})
    colors = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4))
    for name, ratio in sorted(ratios.items()):
        pcs = np.arange(1, len(ratio) + 1)
        c = colors[name.split("/")[0]]
        ax.plot(pcs, ratio, marker="o", ms=3, color=c, lw=1)
        ax_cum.plot(pcs, np.cumsum(ratio), marker="o", ms=3, color=c, lw=1)
    for level in (0.5, 0.9, 0.99):
        ax_cum.axhline(level, color="0.7", lw=0.6, ls=":")
    for model, c in colors.items():
        ax.plot([], [], color=c, label=model)
    ax.legend(frameon=False)
    ax.set(xlabel="principal component", ylabel="explained variance ratio", yscale="log")
    ax_cum.set(xlabel="principal component", ylabel="cumulative", ylim=(0, 1.02))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_state_r2(table: pd.DataFrame, title: str) -> plt.Figure:
    """Heatmap of variance-weighted R² (rows: source model predicting, columns: target)."""
    overall = table[table["pc"].astype(str) == "all"]
    names = sorted(set(overall["source"]) | set(overall["target"]))
    matrix = np.full((len(names), len(names)), np.nan)
    index = {n: i for i, n in enumerate(names)}
    for row in overall.itertuples():
        matrix[index[row.source], index[row.target]] = row.r2
    np.fill_diagonal(matrix, 1.0)
    size = 1.2 + 0.45 * len(names)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    image = ax.imshow(np.clip(matrix, 0, 1), vmin=0, vmax=1, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set(xlabel="target (predicted) model", ylabel="source (predicting) model")
    if len(names) <= 12:
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if value < 0.6 else "black")
    fig.colorbar(image, ax=ax, label="affine state R² (clipped at 0)", shrink=0.8)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_trajectory_overlay(reference: str, comparisons: list[dict], title: str) -> plt.Figure:
    """One 3-D panel per comparison: the reference's trajectories solid, the other network's
    mapped into the reference's latent space dashed, one colour per trial, on the reference's
    top 3 PCs.

    Each comparison maps `name`, `reference` and `mapped` (`[trial, time, 3]`) and `r2`, the R²
    of the map; `reference` names the reference network.
    """
    n = max(len(comparisons), 1)
    fig = plt.figure(figsize=(5.4 * n, 5.0))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, comparison in enumerate(comparisons):
        ax = fig.add_subplot(1, n, k + 1, projection="3d")
        for i, (own, mapped) in enumerate(zip(comparison["reference"], comparison["mapped"])):
            c = colors[i % len(colors)]
            ax.plot(*own.T, color=c, lw=1.2)
            ax.plot(*mapped.T, color=c, lw=1.2, ls="--")
            ax.scatter(*own[0], color=c, s=12, depthshade=False)
        ax.plot([], [], color="0.3", label=f"{reference} (reference)")
        ax.plot([], [], color="0.3", ls="--",
                label=f"{comparison['name']} mapped, R² = {comparison['r2']:.2f}")
        ax.legend(frameon=False, loc="upper left", fontsize=7)
        ax.set(xlabel="reference PC1", ylabel="reference PC2", zlabel="reference PC3")
        ax.set_title(f"{comparison['name']} mapped into {reference}", fontsize=9)
    if not comparisons:
        fig.text(0.5, 0.5, "no other network to compare", ha="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
