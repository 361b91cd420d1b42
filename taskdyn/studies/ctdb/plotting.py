"""CtDB figures: MultiTask success per subtask, psychometric curves and fixed points per phase,
RandomTarget hand paths."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskdyn.plotting import plt
from taskdyn.studies.ctdb.analysis import end_point_errors

BUMP_M_PER_N = 0.005  # bump arrows: 10 N of force is drawn 5 cm long
LATE_GO_STEPS = 40  # a go cue this close to the trial's end (0.4 s) leaves no time to arrive


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


def plot_psychometric(table: pd.DataFrame, subtasks: list[str], title: str) -> plt.Figure:
    """One panel per subtask of `subtasks` in `table` (the long psychometric table: model, seed,
    subtask, evidence, n_trials, p_choose_1): P(choose stimulus 1) against evidence, one line
    per model through the mean over its seeds, each seed's bins as small dots, chance at 0.5."""
    shown = [s for s in subtasks if s in set(table["subtask"])]
    models = list(dict.fromkeys(table["model"]))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, axes = plt.subplots(1, max(len(shown), 1), figsize=(2.9 * max(len(shown), 1) + 0.6, 3.2),
                             squeeze=False, sharex=True, sharey=True)
    reach = 1.1 * max(float(table["evidence"].abs().max()) if len(table) else 0.0, 0.2)
    for ax, subtask in zip(axes[0], shown):
        ax.axhline(0.5, color="0.6", lw=0.8, ls=":", label="chance")
        ax.axvline(0.0, color="0.85", lw=0.6)
        mine = table[table["subtask"] == subtask]
        for k, model in enumerate(models):
            rows = mine[mine["model"] == model]
            if rows.empty:
                continue
            c = colors[k % len(colors)]
            ax.scatter(rows["evidence"], rows["p_choose_1"], s=6, color=c, alpha=0.4, lw=0)
            mean = rows.groupby("evidence")["p_choose_1"].mean()
            n_seeds = rows["seed"].nunique()
            ax.plot(mean.index, mean.to_numpy(), marker="o", ms=3, lw=1.2, color=c,
                    label=f"{model} ({n_seeds} seed{'s' * (n_seeds != 1)})")
        per_network = mine.groupby(["model", "seed"])["n_trials"].sum()
        low, high = int(per_network.min()), int(per_network.max())
        count = str(low) if low == high else f"{low}-{high}"
        ax.set_title(f"{subtask}\n{count} trial{'s' * (high != 1)} per network", fontsize=9)
        ax.set(xlabel="evidence for stimulus 1", xlim=(-reach, reach), ylim=(-0.04, 1.04))
    if not shown:
        axes[0, 0].text(0.5, 0.5, "no Decision subtask", ha="center", transform=axes[0, 0].transAxes)
    axes[0, 0].set_ylabel("P(choose stimulus 1)")
    axes[0, -1].legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_reaches(runs: list[dict[str, Any]], title: str, n_trials: int = 6) -> plt.Figure:
    """One row per run: unperturbed and bumped non-catch trials (first `n_trials` each), then
    the end-point errors of all its non-catch trials.

    Each run maps `name`, `outputs` (hand x/y `[trial, time, 2]`), `targets` (the goal per
    step), and per trial `catch`, `bumped`, `go_cue`, `bump_start`, `bump_x`/`bump_y` (the bump
    force, N), `start_x`/`start_y`, `target_x`/`target_y`. Each bump's force is an arrow from
    the hand at its onset, `BUMP_M_PER_N` metres per newton; the hand at the trial's end is a
    dot. The histogram stacks the trials whose go cue came in the last `LATE_GO_STEPS` steps.
    """
    fig, axes = plt.subplots(len(runs), 3, figsize=(10.5, 3.3 * len(runs)), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 1, 0.8]})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for row, run in enumerate(runs):
        reach = run["catch"] == 0
        for col, (bumped, label) in enumerate(((0, "no bump"), (1, "bumped"))):
            ax = axes[row, col]
            if (row, col) != (0, 0):
                ax.sharex(axes[0, 0])
                ax.sharey(axes[0, 0])
            chosen = np.flatnonzero(reach & (run["bumped"] == bumped))[:n_trials]
            for k, trial in enumerate(chosen):
                _draw_reach(ax, run, trial, colors[k % len(colors)], bumped)
            ax.set_title(f"{run['name']}: {label} (n={len(chosen)})", fontsize=8)
            ax.set_aspect("equal", adjustable="box")
            ax.set_xlabel("hand x (m)")
        axes[row, 0].set_ylabel("hand y (m)")
        _end_error_histogram(axes[row, 2], run)
    handles = [plt.Line2D([], [], marker=m, ls="", color="0.3", mfc=f, label=lab)
               for m, f, lab in (("o", "none", "start"), ("x", "0.3", "target"),
                                 ("o", "0.3", "hand at trial end"), (".", "0.3", "bump onset"))]
    handles.append(plt.Line2D([], [], marker=r"$\rightarrow$", ls="", color="0.3", ms=12,
                              label=f"bump force (10 N = {10 * BUMP_M_PER_N * 100:.0f} cm)"))
    axes[0, 1].legend(handles=handles, frameon=False, fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _draw_reach(ax: plt.Axes, run: dict[str, Any], trial: int, color: str, bumped: int) -> None:
    hand = run["outputs"][trial]
    ax.plot(hand[:, 0], hand[:, 1], color=color, lw=1.0)
    ax.plot(run["start_x"][trial], run["start_y"][trial], "o", mfc="none", color=color, ms=5)
    ax.plot(run["target_x"][trial], run["target_y"][trial], "x", color=color, ms=6, mew=1.5)
    ax.plot(hand[-1, 0], hand[-1, 1], "o", color=color, ms=3, zorder=4)
    if bumped:
        onset = hand[run["bump_start"][trial]]
        ax.plot(onset[0], onset[1], ".", color=color, ms=5, zorder=4)
        ax.quiver(*onset, run["bump_x"][trial], run["bump_y"][trial], color=color,
                  angles="xy", scale_units="xy", scale=1 / BUMP_M_PER_N, width=0.012,
                  headwidth=3, headlength=3.5, headaxislength=3, alpha=0.85, zorder=3)


def _end_error_histogram(ax: plt.Axes, run: dict[str, Any]) -> None:
    """End-point errors (cm) of every non-catch trial, late go cues stacked, median marked; the
    last bin holds every error beyond it."""
    reach = run["catch"] == 0
    error = 100 * end_point_errors(run["outputs"], run["targets"])[reach]
    late = run["go_cue"][reach] >= run["outputs"].shape[1] - LATE_GO_STEPS
    bins = np.linspace(0, max(10.0, np.ceil(np.percentile(error, 95))), 31)
    shown = np.minimum(error, bins[-1])  # the last bin holds the rest
    ax.hist([shown[~late], shown[late]], bins=bins, stacked=True, color=["C0", "0.7"],
            label=["go cue in time", f"go cue in the last {LATE_GO_STEPS} steps"])
    median = float(np.median(error))
    ax.axvline(median, color="k", lw=1, ls="--", label=f"median {median:.1f} cm")
    ax.set_xlabel(f"end-point error (cm; last bin ≥ {bins[-2]:.1f})")
    ax.set_ylabel("trials")
    ax.set_title(f"{run['name']}: non-catch trials (n={int(reach.sum())})", fontsize=8)
    ax.legend(frameon=False, fontsize=7)


def plot_fixed_points_by_phase(points: np.ndarray, is_stable: np.ndarray, conditions: list[dict],
                               trajectories: list[np.ndarray], phases: list[str],
                               title: str) -> plt.Figure:
    """One panel per phase (those with points or conditions): fixed points `[point, 2]` in PC
    space, each with its condition (`subtask`, `phase`), coloured by subtask; stable filled,
    unstable hollow; `trajectories` (each `[time, 2]`) in grey behind every panel."""
    shown = [p for p in phases if any(c["phase"] == p for c in conditions)] or phases
    subtasks = list(dict.fromkeys(c["subtask"] for c in conditions))
    colors = plt.get_cmap("tab20")
    fig, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 3.6), squeeze=False,
                             sharex=True, sharey=True)
    phase_of = np.array([c["phase"] for c in conditions])
    subtask_of = np.array([c["subtask"] for c in conditions])
    for ax, phase in zip(axes[0], shown):
        for trial in trajectories:
            ax.plot(*trial[:, :2].T, color="0.8", lw=0.5, zorder=0)
        mine = phase_of == phase
        for k, subtask in enumerate(subtasks):
            for stable in (True, False):
                chosen = mine & (subtask_of == subtask) & (is_stable == stable)
                if chosen.any():
                    ax.scatter(*points[chosen, :2].T, s=22, lw=1.0, color=colors(k % 20),
                               facecolors=colors(k % 20) if stable else "none", zorder=2)
        n_stable = int((mine & is_stable).sum())
        ax.set_title(f"{phase}: {n_stable} stable, {int((mine & ~is_stable).sum())} unstable",
                     fontsize=9)
        ax.set_xlabel("PC1")
    axes[0][0].set_ylabel("PC2")
    handles = [plt.Line2D([], [], ls="", marker="o", color=colors(k % 20), label=s)
               for k, s in enumerate(subtasks)]
    handles += [plt.Line2D([], [], ls="", marker="o", color="k", label="stable"),
                plt.Line2D([], [], ls="", marker="o", color="k", mfc="none", label="unstable")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 9), frameon=False,
               fontsize=8)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.08 + 0.04 * (len(handles) // 9), 1, 1))
    return fig
