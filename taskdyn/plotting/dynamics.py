"""Dynamics: fixed points over trajectories with the finder's q* histogram, and eigenvalue
spectra in the complex plane."""

from __future__ import annotations

import numpy as np

from taskdyn.plotting import plt

STABLE, UNSTABLE = "tab:green", "tab:red"


def plot_fixed_points(trajectories: np.ndarray, fixed_points: np.ndarray, is_stable: np.ndarray,
                      title: str, *, qstar: np.ndarray, candidate_qstar: np.ndarray,
                      q_thresh: float) -> plt.Figure:
    """Left: trajectories `[trial, time, 3]` and fixed points `[point, 3]` in the same PC space.
    Right: the log10 q* histogram of the finder's candidates `(candidate,)`, with the kept
    points' `qstar` `(point,)` by stability and the cut `q_thresh`."""
    fig = plt.figure(figsize=(10, 4.8))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    for trial in trajectories:
        ax.plot(*trial[:, :3].T, color="0.6", lw=0.5, alpha=0.6)
    for stable, color, label in ((True, STABLE, "stable"), (False, UNSTABLE, "unstable")):
        pts = fixed_points[is_stable == stable]
        if len(pts):
            ax.scatter(*pts[:, :3].T, color=color, s=28, depthshade=False,
                       label=f"{label} ({len(pts)})")
    ax.set(xlabel="PC1", ylabel="PC2", zlabel="PC3")
    ax.legend(frameon=False, loc="upper left")
    ax.set_title("fixed points over held-out trajectories", fontsize=9)
    plot_qstar_histogram(fig.add_subplot(1, 2, 2), candidate_qstar, qstar, is_stable, q_thresh)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_qstar_histogram(ax: plt.Axes, candidate_qstar: np.ndarray, qstar: np.ndarray,
                         is_stable: np.ndarray, q_thresh: float) -> None:
    """log10 q* of every candidate (grey) and of the kept fixed points, stacked by stability,
    with the cut as a dashed line; q* = 0 (exact fixed points) is drawn one decade below the
    smallest positive q*."""
    positive = np.concatenate([candidate_qstar, qstar, [q_thresh]])
    floor = np.floor(np.log10(positive[positive > 0].min())) - 1
    candidates = np.log10(np.maximum(candidate_qstar, 10.0**floor))
    points = np.log10(np.maximum(qstar, 10.0**floor))
    bins = np.histogram_bin_edges(np.append(candidates, np.log10(q_thresh)), bins=40)
    ax.hist(candidates, bins, color="0.82", label=f"all candidates ({len(candidates)})")
    kept = [points[is_stable], points[~is_stable]]
    ax.hist(kept, bins, stacked=True, color=[STABLE, UNSTABLE],
            label=[f"kept stable ({len(kept[0])})", f"kept unstable ({len(kept[1])})"])
    ax.axvline(np.log10(q_thresh), color="black", ls="--", lw=1,
               label=f"q* cut ({q_thresh:.0e})")
    zeros = int((candidate_qstar == 0).sum())
    note = f"; {zeros} with q* = 0 at {floor:.0f}" if zeros else ""
    ax.set(xlabel=f"log10 q*, q* = ½‖F(x) − x‖²{note}", ylabel="candidates", yscale="log")
    ax.legend(frameon=False, fontsize=7, loc="upper center")
    ax.set_title(f"q* of the finder's candidates: {len(qstar)} distinct "
                 f"point{'s' * (len(qstar) != 1)} kept", fontsize=9)


def plot_spectra(weight_eigvals: np.ndarray | None, weight_name: str | None,
                 jacobian_eigvals: np.ndarray | None, is_stable: np.ndarray | None,
                 title: str) -> plt.Figure:
    """Eigenvalues of the recurrent weights and of each fixed point's Jacobian, with the unit circle."""
    panels = [p for p in ("weights", "jacobians")
              if (weight_eigvals if p == "weights" else jacobian_eigvals) is not None]
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(4.2 * max(len(panels), 1), 4.2),
                             squeeze=False)
    theta = np.linspace(0, 2 * np.pi, 400)
    for ax in axes[0]:
        ax.plot(np.cos(theta), np.sin(theta), color="0.5", lw=0.8, ls="--")
        ax.axhline(0, color="0.85", lw=0.5)
        ax.axvline(0, color="0.85", lw=0.5)
        ax.set(xlabel="Re λ", ylabel="Im λ", aspect="equal")
    for ax, panel in zip(axes[0], panels):
        if panel == "weights":
            ax.scatter(weight_eigvals.real, weight_eigvals.imag, s=10, color="tab:blue")
            ax.set_title(f"recurrent weights {weight_name}")
        else:
            for eig, stable in zip(jacobian_eigvals, is_stable):
                ax.scatter(eig.real, eig.imag, s=10, alpha=0.6,
                           color=STABLE if stable else UNSTABLE)
            ax.scatter([], [], color=STABLE, label="stable point")
            ax.scatter([], [], color=UNSTABLE, label="unstable point")
            ax.legend(frameon=False, fontsize=7)
            ax.set_title(f"Jacobians at {len(jacobian_eigvals)} fixed points")
    if not panels:
        axes[0, 0].text(0, 0, "no recurrent matrix and no fixed points", ha="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
