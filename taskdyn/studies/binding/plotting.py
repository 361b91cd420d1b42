"""Binding-study figures: spectra against theory, eigenvalue histograms, accuracy by horizon,
embeddings, comparison, topology against accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt
from taskdyn.studies.binding.analysis.operator_spectra import histogram_edges

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _unit_circle(ax: plt.Axes, limit: float) -> None:
    theta = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(theta), np.sin(theta), color="0.55", lw=0.8, ls="--", zorder=0)
    ax.axhline(0, color="0.88", lw=0.5, zorder=0)
    ax.axvline(0, color="0.88", lw=0.5, zorder=0)
    ax.set(aspect="equal", xlim=(-limit, limit), ylim=(-limit, limit))


def _grid(n: int, ncols: int, size: float) -> tuple[plt.Figure, np.ndarray]:
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()


def plot_operator_spectra(eigvals: pd.DataFrame, metrics: pd.DataFrame, max_panels: int,
                          title: str) -> plt.Figure:
    """One panel per model × seed (up to `max_panels`): W_hh eigenvalues against theory.

    `eigvals`: rows `task, model, seed, spectrum (full|projected|theory), re, im`; `metrics`: one
    row per model with `spectral_error_projected`, `spectral_error_partial_projected`,
    `n_learned_projected`, `n_theory_projected`.
    """
    runs = metrics.sort_values(["model", "seed"]).head(max_panels)
    fig, axes = _grid(len(runs), 3, 3.1)
    styles = {"full": dict(s=7, color="0.65", label="W_hh, all"),
              "projected": dict(s=14, color="tab:blue", label="W_hh, top-k subspace"),
              "theory": dict(s=70, marker="x", color="tab:red", lw=1.2, label="theory Φ")}
    limit = max(1.35, 1.1 * float(np.hypot(eigvals["re"], eigvals["im"]).max()))
    for ax, (_, run) in zip(axes, runs.iterrows()):
        _unit_circle(ax, limit)
        mine = eigvals[(eigvals["model"] == run["model"]) & (eigvals["seed"] == run["seed"])]
        for kind, style in styles.items():
            part = mine[mine["spectrum"] == kind]
            ax.scatter(part["re"], part["im"], **style)
        ax.set_title(f"{run['model']} seed {run['seed']}: {_error_text(run)}\n|λ|>thr: "
                     f"{run['n_learned_projected']:.0f} learned vs "
                     f"{run['n_theory_projected']:.0f} theory",
                     fontsize=8)
        ax.set(xlabel="Re λ", ylabel="Im λ")
    fig.suptitle(title)
    fig.tight_layout()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", ncol=3, frameon=False,
               fontsize=8, bbox_to_anchor=(0.5, 0.0))
    return fig


def _error_text(run: pd.Series) -> str:
    """The projected spectral error of one model for a title: "—" with the partial error over
    the matched pairs when the counts above the threshold differ."""
    if np.isnan(run["spectral_error_projected"]):
        return f"error — (partial {run['spectral_error_partial_projected']:.3f} rad)"
    return f"error {run['spectral_error_projected']:.3f} rad"


def plot_eigenvalue_histograms(eigvals: pd.DataFrame, spectrum: str, title: str) -> plt.Figure:
    """Density histograms of |λ| and of the angle of one spectrum kind, one step line per model
    (its seeds pooled), with the theory's distinct moduli and angles marked.

    `eigvals`: rows `task, model, seed, spectrum, re, im` with `spectrum` one of `spectrum` and
    `theory`. Bins: `histogram_edges` of the shown and theoretical eigenvalues together.
    """
    learned = eigvals[eigvals["spectrum"] == spectrum]
    theory_rows = eigvals[eigvals["spectrum"] == "theory"]
    first = theory_rows[["model", "seed"]].iloc[0]  # every model of a task shares Φ
    theory = _complex(theory_rows[(theory_rows["model"] == first["model"])
                                  & (theory_rows["seed"] == first["seed"])])
    modulus_edges, angle_edges = histogram_edges(np.concatenate([_complex(learned), theory]))
    fig, (ax_mod, ax_ang) = plt.subplots(1, 2, figsize=(8.4, 3.4))
    for (model, runs), color in zip(learned.groupby("model"), plt.get_cmap("tab10").colors):
        values = _complex(runs)
        label = f"{model} ({runs['seed'].nunique()} seeds, {len(values)} λ)"
        ax_mod.stairs(np.histogram(np.abs(values), modulus_edges, density=True)[0],
                      modulus_edges, color=color, lw=1.3, label=label)
        ax_ang.stairs(np.histogram(np.angle(values), angle_edges, density=True)[0],
                      angle_edges, color=color, lw=1.3, label=label)
    for ax, marks in ((ax_mod, np.abs(theory)), (ax_ang, np.angle(theory))):
        distinct = np.unique(np.round(marks, 9))
        for i, mark in enumerate(distinct):
            ax.axvline(mark, color="tab:red", ls="--", lw=0.8, zorder=0,
                       label=f"theory Φ ({len(theory)} λ)" if i == 0 else None)
        ax.set_ylabel("density")
    pad = 0.02 * modulus_edges[-1]  # marks at |λ| = 0 and angle ±π stay visible
    ax_mod.set(xlabel="|λ|", xlim=(-pad, modulus_edges[-1] + pad))
    ax_ang.set(xlabel="angle of λ (rad)", xlim=(-1.03 * np.pi, 1.03 * np.pi),
               xticks=np.pi * np.array([-1, -0.5, 0, 0.5, 1]),
               xticklabels=["−π", "−π/2", "0", "π/2", "π"])
    fig.suptitle(title)
    fig.tight_layout()
    fig.legend(*ax_mod.get_legend_handles_labels(), loc="upper center", frameon=False,
               fontsize=8, ncol=4, bbox_to_anchor=(0.5, 0.0))
    return fig


def _complex(rows: pd.DataFrame) -> np.ndarray:
    """The eigenvalues `re + i im` of table rows."""
    return (rows["re"] + 1j * rows["im"]).to_numpy()


def plot_accuracy_by_step(accuracy: pd.DataFrame, trained_horizon: int, title: str) -> plt.Figure:
    """Sign accuracy against output step for every model × seed (thin) and their mean (thick)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for _, run in accuracy.groupby(["model", "seed"]):
        ax.plot(run["step"], run["accuracy"], lw=0.7, alpha=0.5)
    mean = accuracy.groupby("step")["accuracy"].mean()
    n_models = accuracy.groupby(["model", "seed"]).ngroups
    ax.plot(mean.index, mean.to_numpy(), color="k", lw=2, label=f"mean of {n_models} models")
    ax.axvline(trained_horizon, color="tab:red", ls="--", lw=1,
               label=f"longest training horizon ({trained_horizon})")
    ax.axhline(0.5, color="0.7", lw=0.8, ls=":", label="chance")
    ax.set(xlabel="output step after the input sequence", ylabel="sign accuracy",
           ylim=(0.4, 1.02), title=title)
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_embeddings(embeddings: pd.DataFrame, title: str) -> plt.Figure:
    """One panel per embedding method; each point a model, coloured by task."""
    methods = list(dict.fromkeys(embeddings["method"]))
    fig, axes = plt.subplots(1, len(methods), figsize=(3.6 * len(methods), 3.5), squeeze=False)
    tasks = sorted(embeddings["task"].unique())
    colors = dict(zip(tasks, plt.get_cmap("tab10").colors))
    for ax, method in zip(axes[0], methods):
        part = embeddings[embeddings["method"] == method]
        for task in tasks:
            rows = part[part["task"] == task]
            ax.scatter(rows["x"], rows["y"], s=22, color=colors[task], label=task, alpha=0.8)
        ax.set(title=method.upper() if method != "tsne" else "t-SNE", xticks=[], yticks=[])
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_experiment_comparison(values: pd.DataFrame, tests: pd.DataFrame, metrics: list[str],
                               title: str) -> plt.Figure:
    """One panel per metric: each group's models as points over a box, Kruskal–Wallis p above.

    `values`: one row per model × seed with a `group` label and the metrics' columns; NaN values
    (a spectral error where the counts differ) are left out. Few groups sit side by side; many
    stack the panels so every group's label stays readable.
    """
    groups = sorted(values["group"].unique())
    many = len(groups) > 6
    shape, size = ((len(metrics), 1), (max(6.0, 0.5 * len(groups)), 2.6 * len(metrics))) \
        if many else ((1, len(metrics)), (3.1 * len(metrics), 3.4))
    fig, axes = plt.subplots(*shape, figsize=size, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, metric in zip(axes.ravel(), metrics):
        data = [values.loc[values["group"] == g, metric].dropna().to_numpy() for g in groups]
        ax.boxplot(data, showfliers=False, widths=0.5, medianprops={"color": "k"})
        for i, d in enumerate(data, start=1):
            ax.scatter(i + rng.uniform(-0.12, 0.12, len(d)), d, s=12, alpha=0.7, zorder=3)
        kw = tests[(tests["metric"] == metric) & (tests["test"] == "kruskal")]
        p = f"Kruskal–Wallis p = {kw['p_value'].iloc[0]:.3g}" if len(kw) else "no test"
        if not any(len(d) for d in data):
            ax.text(0.5, 0.5, "NaN for every model", transform=ax.transAxes, ha="center",
                    va="center", fontsize=8, color="0.4")
            ax.set_yticks([])
        labelled = not many or ax is axes.ravel()[len(metrics) - 1]
        ax.set_xticks(range(1, len(groups) + 1), groups if labelled else [],
                      rotation=35 if many else 20, ha="right", fontsize=7 if many else 8)
        ax.set_title(f"{metric.replace('_', ' ')}: {p}" if many
                     else f"{metric.replace('_', ' ')}\n{p}", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _block_image(ax: plt.Axes, matrix: np.ndarray, d: int, title: str) -> plt.cm.ScalarMappable:
    """A transition matrix as a diverging image with its s × s block grid."""
    limit = max(1.0, float(np.abs(matrix).max()))
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    for edge in np.arange(d, len(matrix), d) - 0.5:
        ax.axhline(edge, color="0.6", lw=0.4)
        ax.axvline(edge, color="0.6", lw=0.4)
    ax.set_title(title, fontsize=7.5)
    ax.set(xlabel="from memory dimension", ylabel="to memory dimension")
    return image


def plot_variable_memories(models: list[tuple[dict, dict[str, np.ndarray]]],
                           title: str) -> plt.Figure:
    """The task's Φ and each model's Ψ* W_hh Ψ on the kept dimensions (others blank).

    `models`: per model, its attributes (model, seed, input_dim, operator_match,
    operator_relative, accuracy) and arrays `phi_empirical`, `phi_theory`, `kept`.
    """
    fig, axes = plt.subplots(1, len(models) + 1, figsize=(3.6 * (len(models) + 1), 4.0),
                             squeeze=False)
    axes = axes[0]
    first = models[0][1]
    kept = first["kept"].astype(bool)
    theory = np.where(np.outer(kept, kept), first["phi_theory"], np.nan)
    d = int(models[0][0]["input_dim"])
    _block_image(axes[0], theory, d, f"theory Φ\n{kept.sum()} of {len(kept)} dimensions kept")
    for ax, (attrs, arrays) in zip(axes[1:], models):
        kept = arrays["kept"].astype(bool)
        empirical = np.where(np.outer(kept, kept), arrays["phi_empirical"], np.nan)
        image = _block_image(
            ax, empirical, d,
            f"{attrs['model']} seed {attrs['seed']}: Ψ* W_hh Ψ\naccuracy {attrs['accuracy']:.3f}"
            f"\noperator rows matched {attrs['operator_match']:.2f}"
            f"\noperator rows' rel. error {attrs['operator_relative']:.2f}")
        ax.set_ylabel("")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="weight")
    fig.suptitle(title)
    return fig


def plot_variable_locations(locations: np.ndarray, seq_length: int, title: str) -> plt.Figure:
    """One panel per time step: |corr| of each memory block (rows) with each stored input
    variable (columns); the input phase is the first `seq_length` steps."""
    n_time, n_blocks, n_vars = locations.shape
    fig, axes = _grid(n_time, seq_length, 1.55)
    for t, ax in enumerate(axes[:n_time]):
        image = ax.imshow(locations[t], vmin=0, vmax=1, cmap="magma", interpolation="nearest")
        phase = "input" if t < seq_length else "output"
        ax.set_title(f"t = {t} ({phase})", fontsize=7)
        ax.set_xticks(range(n_vars), [str(j) for j in range(n_vars)], fontsize=5)
        ax.set_yticks(range(n_blocks), [str(k) for k in range(n_blocks)], fontsize=5)
        if t % seq_length == 0:
            ax.set_ylabel("memory block", fontsize=7)
        if t >= n_time - seq_length:
            ax.set_xlabel("stored variable", fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 0.93, 1))
    fig.colorbar(image, ax=list(axes), shrink=0.6, label="mean |corr| over bits",
                 location="right")
    return fig


def plot_topology_accuracy(summary: pd.DataFrame, title: str) -> plt.Figure:
    """Largest and total H1 persistence of each model's cloud against its accuracy: colour by
    task, marker by model; `summary` has one row per model of one cloud (`task, model, seed,
    h1_max, h1_total, accuracy`)."""
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.5), squeeze=False)
    tasks, models = sorted(summary["task"].unique()), sorted(summary["model"].unique())
    colors = dict(zip(tasks, plt.get_cmap("tab10").colors))
    markers = dict(zip(models, MARKERS * len(models)))
    for ax, column, label in zip(axes[0], ("h1_max", "h1_total"),
                                 ("largest H1 persistence", "total H1 persistence")):
        for (task, model), rows in summary.groupby(["task", "model"]):
            ax.scatter(rows["accuracy"], rows[column], s=28, color=colors[task],
                       marker=markers[model], alpha=0.8, edgecolors="k", linewidths=0.3)
        ax.set(xlabel="test accuracy", ylabel=label)
    handles = ([plt.Line2D([], [], ls="", marker="o", color=colors[t], label=t) for t in tasks]
               + [plt.Line2D([], [], ls="", marker=markers[m], color="0.4", label=m)
                  for m in models])
    fig.suptitle(title)
    fig.tight_layout()
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 6), frameon=False,
               fontsize=8, bbox_to_anchor=(0.5, 0.0), title="colour: task · marker: model",
               title_fontsize=8)
    return fig
