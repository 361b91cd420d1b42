"""Dynamics: fixed points over trajectories, and eigenvalue spectra in the complex plane."""

from __future__ import annotations

import numpy as np

from taskdyn.plotting import plt


def plot_fixed_points(trajectories: np.ndarray, fixed_points: np.ndarray, is_stable: np.ndarray,
                      title: str) -> plt.Figure:
    """Trajectories `[trial, time, 3]` and fixed points `[point, 3]` in the same PC space."""
    fig = plt.figure(figsize=(5.5, 5))
    ax = fig.add_subplot(projection="3d")
    for trial in trajectories:
        ax.plot(*trial[:, :3].T, color="0.6", lw=0.5, alpha=0.6)
    for stable, color, label in ((True, "tab:green", "stable"), (False, "tab:red", "unstable")):
        pts = fixed_points[is_stable == stable]
        if len(pts):
            ax.scatter(*pts[:, :3].T, color=color, s=28, depthshade=False,
                       label=f"{label} ({len(pts)})")
    ax.set(xlabel="PC1", ylabel="PC2", zlabel="PC3")
    ax.legend(frameon=False, loc="upper left")
    ax.set_title(title)
    return fig


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
                           color="tab:green" if stable else "tab:red")
            ax.scatter([], [], color="tab:green", label="stable point")
            ax.scatter([], [], color="tab:red", label="unstable point")
            ax.legend(frameon=False, fontsize=7)
            ax.set_title(f"Jacobians at {len(jacobian_eigvals)} fixed points")
    if not panels:
        axes[0, 0].text(0, 0, "no recurrent matrix and no fixed points", ha="center")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
