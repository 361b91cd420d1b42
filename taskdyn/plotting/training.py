"""Learning curves of every model × seed of a task."""

from __future__ import annotations

import pandas as pd

from taskdyn.plotting import plt


def plot_learning_curves(histories: dict[str, pd.DataFrame], title: str) -> plt.Figure:
    """Train and validation loss (log scale), and any validation accuracy, against epoch.

    `histories` maps "model/seedN" to a per-epoch table with an `epoch` column.
    """
    accuracy_cols = sorted({c for h in histories.values() for c in h.columns
                            if c.startswith("val_") and "accuracy" in c})
    n_panels = 1 + bool(accuracy_cols)
    fig, axes = plt.subplots(1, n_panels, figsize=(5.2 * n_panels, 3.6), squeeze=False)
    models = sorted({name.split("/")[0] for name in histories})
    colors = dict(zip(models, plt.rcParams["axes.prop_cycle"].by_key()["color"] * 4))
    for name, history in sorted(histories.items()):
        c = colors[name.split("/")[0]]
        axes[0, 0].plot(history["epoch"], history["train_loss"], color=c, alpha=0.35, lw=0.8)
        if "val_loss" in history:
            axes[0, 0].plot(history["epoch"], history["val_loss"], color=c, lw=1.2)
        if accuracy_cols:
            axes[0, 1].plot(history["epoch"], history[accuracy_cols[0]], color=c, lw=1.2)
    axes[0, 0].set(yscale="log", xlabel="epoch", ylabel="loss (faint: train, solid: validation)")
    for model, c in colors.items():
        axes[0, 0].plot([], [], color=c, label=model)
    axes[0, 0].legend(frameon=False, fontsize=8)
    if accuracy_cols:
        axes[0, 1].set(xlabel="epoch", ylabel=accuracy_cols[0].replace("_", " "))
    fig.suptitle(title)
    fig.tight_layout()
    return fig
