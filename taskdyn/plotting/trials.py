"""Example trials: inputs, targets against outputs, and the top latent PCs."""

from __future__ import annotations

import numpy as np

from taskdyn.plotting import plt


def plot_trials(inputs: np.ndarray, targets: np.ndarray, outputs: np.ndarray,
                latent_pcs: np.ndarray, title: str) -> plt.Figure:
    """One column per trial; rows: inputs, targets (dashed) vs outputs, latent PCs 1–3."""
    n_trials = len(inputs)
    fig, axes = plt.subplots(3, n_trials, figsize=(3.2 * n_trials, 5.5), sharex=True,
                             squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for col in range(n_trials):
        ax_in, ax_out, ax_pc = axes[:, col]
        for ch in range(inputs.shape[-1]):
            ax_in.plot(inputs[col, :, ch], lw=0.8, color=colors[ch % len(colors)])
        for ch in range(targets.shape[-1]):
            c = colors[ch % len(colors)]
            ax_out.plot(targets[col, :, ch], ls="--", lw=1.0, color=c)
            ax_out.plot(outputs[col, :, ch], lw=0.9, color=c, alpha=0.8)
        for pc in range(latent_pcs.shape[-1]):
            ax_pc.plot(latent_pcs[col, :, pc], lw=0.9, label=f"PC{pc + 1}")
        ax_in.set_title(f"trial {col}")
        ax_pc.set_xlabel("time step")
    axes[0, 0].set_ylabel("inputs")
    axes[1, 0].set_ylabel("target (--) / output")
    axes[2, 0].set_ylabel("latent PCs")
    axes[2, -1].legend(frameon=False, fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
