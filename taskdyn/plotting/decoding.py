"""Cross-time decoding: accuracy of decoders fitted at one step and tested at every step."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt


def plot_cross_time_decoding(table: pd.DataFrame, title: str, max_panels: int = 12) -> plt.Figure:
    """One heatmap per label (the first `max_panels`): balanced accuracy by train step (rows)
    and test step (columns), coloured from chance to 1; the diagonal is ordinary decoding.

    `table`: rows `label, train_step, test_step, accuracy, chance`.
    """
    labels = list(dict.fromkeys(table["label"]))
    shown = labels[:max_panels]
    n_cols = min(len(shown), 4)
    n_rows = -(-len(shown) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.1 * n_cols, 2.9 * n_rows), squeeze=False)
    for ax, label in zip(axes.ravel(), shown):
        part = table[table["label"] == label]
        steps = np.unique(np.concatenate([part["train_step"], part["test_step"]]))
        index = {s: i for i, s in enumerate(steps)}
        matrix = np.full((len(steps), len(steps)), np.nan)
        for row in part.itertuples():
            matrix[index[row.train_step], index[row.test_step]] = row.accuracy
        chance = float(part["chance"].iloc[0])
        image = ax.imshow(matrix, origin="lower", vmin=chance, vmax=1.0, cmap="viridis",
                          extent=(steps[0] - 0.5, steps[-1] + 0.5, steps[0] - 0.5, steps[-1] + 0.5))
        ax.set(xlabel="test step", ylabel="train step", title=f"{label} (chance {chance:.2f})")
        fig.colorbar(image, ax=ax, shrink=0.8, label="balanced accuracy")
    for ax in axes.ravel()[len(shown):]:
        ax.axis("off")
    more = f" (first {len(shown)} of {len(labels)} labels)" if len(labels) > len(shown) else ""
    fig.suptitle(title + more)
    fig.tight_layout()
    return fig
