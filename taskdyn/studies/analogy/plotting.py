"""Figures of the analogy study: learning dynamics per fact type, Dirichlet energy, sweeps, and
the functor mechanism over training under its accuracy curves.

Each function takes long tables (columns task, model, seed, epoch, split, metric, value, as
`taskdyn.studies.analogy.jobs` writes them; the mechanism table adds layer and head) and returns
a figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.plotting import plt
from taskdyn.studies.analogy.mechanism import summary_curves
from taskdyn.tasks.knowledge_graph import FACT_TYPES

# Colour by kind of fact, line style by how far from the training facts.
FACT_STYLES = {
    "id_atomic": ("tab:blue", "-"), "ood_atomic": ("tab:blue", "--"),
    "id_compositional": ("tab:green", "-"), "near_ood_compositional": ("tab:green", "--"),
    "far_ood_compositional": ("tab:olive", ":"),
    "id_analogical": ("tab:red", "-"), "ood_analogical": ("tab:red", "--"),
}
HELD_OUT_ANALOGY = "ood_analogical"


def _label(kind: str) -> str:
    return kind.replace("_", " ").replace("ood", "OOD").replace("id ", "ID ")


def plot_dynamics(long: pd.DataFrame, crossings: pd.DataFrame, title: str) -> plt.Figure:
    """Accuracy (top) and correct-entity probability (bottom) of every fact type, per seed.

    Markers on the accuracy panels show where each fact type first reaches the threshold
    (`crossings`: seed, split, threshold, epoch); open markers for held-out fact types.
    """
    seeds = sorted(long["seed"].unique())
    fig, axes = plt.subplots(2, len(seeds), figsize=(3.3 * len(seeds) + 1.8, 5.2),
                             sharex=True, sharey=True, squeeze=False)
    kinds = [k for k in FACT_TYPES if k in set(long["split"])]
    for col, seed in enumerate(seeds):
        run = long[long["seed"] == seed]
        for row, metric in enumerate(("accuracy", "prob")):
            ax = axes[row, col]
            for kind in kinds:
                curve = run[(run["split"] == kind) & (run["metric"] == metric)]
                color, style = FACT_STYLES[kind]
                ax.plot(curve["epoch"], curve["value"], color=color, ls=style, lw=1.3,
                        label=_label(kind))
            ax.set_ylim(-0.04, 1.04)
        marks = crossings[crossings["seed"] == seed].dropna(subset=["epoch"])
        for _, mark in marks.iterrows():
            color, style = FACT_STYLES[mark["split"]]
            axes[0, col].plot(mark["epoch"], mark["threshold"], marker="v", ms=6, color=color,
                              mfc=color if style == "-" else "white", ls="none")
        if len(crossings):
            axes[0, col].axhline(crossings["threshold"].iloc[0], color="0.7", lw=0.6, ls=":")
        axes[0, col].set_title(f"seed {seed}")
        axes[1, col].set_xlabel("epoch")
    _epoch_axis(axes[0, 0], long["epoch"])
    axes[0, 0].set_ylabel("accuracy (▼: reaches threshold)")
    axes[1, 0].set_ylabel("p(correct entity)")
    axes[0, -1].legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _epoch_axis(ax: plt.Axes, epochs: pd.Series) -> None:
    """Symmetric-log epochs (linear up to the first evaluation) so early stages stay visible."""
    first, last = epochs[epochs > 0].min(), epochs.max()
    if pd.notna(first) and last > 10 * first:
        ax.set_xscale("symlog", linthresh=first, linscale=0.3)
        decades = 10 ** np.arange(np.ceil(np.log10(first)), np.log10(last) + 1e-9)
        ticks = sorted({0, int(first), *decades.astype(int)})
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xticks([], minor=True)
        ax.set_xlim(0, last)


def plot_energy(long: pd.DataFrame, statistics: pd.DataFrame, title: str) -> plt.Figure:
    """Dirichlet energy and held-out analogical scores over training, energy against each, and
    the norm-controlled energies with the lag from their fall to analogy onset.

    Top row: the anchor's energy (normalised embeddings) by epoch; held-out analogical accuracy
    (solid) and correct-entity probability (dotted) by epoch; accuracy and probability against
    the energy, points coloured by epoch. Bottom row: the raw, norm-scaled and centred energies
    by epoch; the lag (analogy onset − energy fall) per variant, seeds as dots, the mean with its
    bootstrap 95 % interval. On every energy curve ▼ marks its fall and ● the epoch held-out
    analogy reaches the threshold (`statistics`: energy_statistics.csv).
    """
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.4))
    top, bottom = axes
    energy = long[long["metric"] == "dirichlet_energy"]
    analogy = long[long["split"] == HELD_OUT_ANALOGY]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    norm = plt.Normalize(energy["epoch"].min(), energy["epoch"].max())
    seeds = sorted(long["seed"].unique())
    for i, seed in enumerate(seeds):
        c = colors[i % len(colors)]
        e = energy[energy["seed"] == seed].set_index("epoch")["value"]
        a = analogy[analogy["seed"] == seed]
        scores = {m: a[a["metric"] == m].set_index("epoch")["value"] for m in ("accuracy", "prob")}
        top[0].plot(e.index, e.values, color=c, lw=1.2, label=f"seed {seed}")
        top[1].plot(scores["accuracy"].index, scores["accuracy"].values, color=c, lw=1.2)
        top[1].plot(scores["prob"].index, scores["prob"].values, color=c, lw=1.0, ls=":")
        for ax, score in zip(top[2:], scores.values()):
            both = pd.concat({"energy": e, "score": score}, axis=1).dropna()
            ax.plot(both["energy"], both["score"], color=c, lw=0.6, alpha=0.5)
            points = ax.scatter(both["energy"], both["score"], c=both.index, cmap="viridis",
                                norm=norm, s=9, zorder=3)
        for ax, variant in zip([top[0], *bottom[:3]], ENERGY_PANELS):
            curve = long[(long["metric"] == variant) & (long["seed"] == seed)]
            curve = curve.set_index("epoch")["value"].sort_index()
            if variant != "dirichlet_energy":
                ax.plot(curve.index, curve.values, color=c, lw=1.2)
            _mark_fall(ax, curve, statistics, seed, variant, c)
    for ax in [*top[:2], *bottom[:3]]:
        _epoch_axis(ax, energy["epoch"])
    top[0].set(xlabel="epoch", ylabel="Dirichlet energy of f-edges\n(normalised embeddings)")
    top[0].legend(frameon=False, fontsize=7)
    top[1].set(xlabel="epoch", ylabel="held-out analogical facts\n(solid: accuracy, dotted: p)")
    top[2].set(xlabel="Dirichlet energy", ylabel="held-out analogical accuracy")
    top[3].set(xlabel="Dirichlet energy", ylabel="held-out analogical p(correct)")
    for ax in top[1:]:
        ax.set_ylim(-0.04, 1.04)
    if len(energy):
        fig.colorbar(points, ax=top[3], label="epoch")
    for ax, variant in zip(bottom[:3], list(ENERGY_PANELS)[1:]):
        ax.set(xlabel="epoch", ylabel=ENERGY_PANELS[variant])
    bottom[0].plot([], [], "kv", mfc="white", label="energy falls")
    bottom[0].plot([], [], "ko", mfc="white", label="held-out analogy ≥ threshold")
    bottom[0].legend(frameon=False, fontsize=7)
    _plot_lags(bottom[3], statistics, seeds, colors)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# energy variant → axis label, in panel order (the anchor's first)
ENERGY_PANELS = {"dirichlet_energy": "normalised",
                 "dirichlet_energy_raw": "raw energy\n(norm growth included)",
                 "dirichlet_energy_scaled": "raw energy / mean ‖x‖²",
                 "dirichlet_energy_centred": "energy of centred,\nnormalised embeddings"}


def _mark_fall(ax: plt.Axes, curve: pd.Series, statistics: pd.DataFrame, seed, variant: str,
               color) -> None:
    """▼ at the energy's fall epoch and ● at analogy onset, on the curve."""
    row = statistics[(statistics["kind"] == "seed") & (statistics["seed"] == seed)
                     & (statistics["variant"] == variant)]
    if row.empty or curve.empty:
        return
    for column, marker in (("fall_epoch", "v"), ("analogy_epoch", "o")):
        epoch = row[column].iloc[0]
        if np.isfinite(epoch):
            value = np.interp(epoch, curve.index.to_numpy(float), curve.to_numpy(float))
            ax.plot(epoch, value, marker=marker, ms=6, color=color, mfc="white", ls="none",
                    zorder=4)


def _plot_lags(ax: plt.Axes, statistics: pd.DataFrame, seeds: list, colors: list) -> None:
    """Per energy variant: each seed's lag (analogy onset − fall) and the mean with its
    bootstrap 95 % interval; the zero line."""
    variants = [v for v in ENERGY_PANELS if v in set(statistics.get("variant", []))]
    for x, variant in enumerate(variants):
        rows = statistics[statistics["variant"] == variant]
        per_seed = rows[rows["kind"] == "seed"]
        for i, seed in enumerate(seeds):
            lag = per_seed.loc[per_seed["seed"] == seed, "lag"]
            ax.plot(x + 0.08 * (i - len(seeds) / 2), lag, "o", ms=4,
                    color=colors[i % len(colors)], alpha=0.7)
        summary = rows[rows["kind"] == "summary"]
        if len(summary) and np.isfinite(summary["lag"].iloc[0]):
            mean, low, high = summary[["lag", "lag_low", "lag_high"]].iloc[0]
            ax.errorbar(x + 0.35, mean, yerr=[[mean - low], [high - mean]], fmt="s",
                        color="black", ms=5, capsize=3)
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(range(len(variants)),
                  [v.removeprefix("dirichlet_energy").lstrip("_") or "normalised"
                   for v in variants])
    ax.set(ylabel="analogy onset − energy fall (epochs)\n■ mean, bootstrap 95 %",
           xlim=(-0.6, len(variants) - 0.2))


def plot_sweep(table: pd.DataFrame) -> plt.Figure:
    """Final accuracy of every fact type against each swept knob (mean line, seeds as dots).

    `table` has columns seed, split, accuracy, and the sweep point's knob and value.
    """
    knobs = list(dict.fromkeys(table["knob"]))
    fig, axes = plt.subplots(1, len(knobs), figsize=(3.4 * len(knobs) + 1.8, 3.4),
                             sharey=True, squeeze=False)
    kinds = [k for k in FACT_TYPES if k in set(table["split"])]
    for ax, knob in zip(axes[0], knobs):
        part = table[table["knob"] == knob]
        values = sorted(part["value"].unique())
        position = {v: i for i, v in enumerate(values)}
        for kind in kinds:
            rows = part[part["split"] == kind]
            color, style = FACT_STYLES[kind]
            x = rows["value"].map(position)
            ax.scatter(x, rows["accuracy"], s=7, color=color, alpha=0.4)
            mean = rows.groupby("value")["accuracy"].mean()
            ax.plot([position[v] for v in mean.index], mean.values, color=color, ls=style,
                    marker="o", ms=3, lw=1.3, label=_label(kind))
        ax.set_xticks(range(len(values)), [f"{v:g}" for v in values])
        ax.set(xlabel=knob.replace("_", " "), ylim=(-0.04, 1.04))
    axes[0, 0].set_ylabel("final accuracy")
    axes[0, -1].legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.suptitle("analogy · final accuracy across sweeps")
    fig.tight_layout()
    return fig


ANALOGY_SPLITS = {"id_analogical": ("ID", "-"), "ood_analogical": ("held-out", "--")}
ROWS = (("accuracy", "analogical accuracy\n(▼ reaches threshold)"),
        ("attention_to_source", "attention <f> → source"),
        ("parallelism", "parallelism\ncos(u_f(e) − s, x_<f>)"),
        ("isometry", "isometry: r, ρ(d_E1, d_E2)"))
# whole-functor isometry curves: metric → colour, line style, legend label
ISOMETRY_CURVES = {"isometry": ("tab:purple", "-", "Pearson r (all f-pairs)"),
                   "isometry_spearman": ("tab:green", ":", "Spearman ρ (all f-pairs)")}


def plot_mechanism(mechanism: pd.DataFrame, dynamics: pd.DataFrame, crossings: pd.DataFrame,
                   stages: pd.DataFrame, title: str) -> plt.Figure:
    """Analogical accuracy (top) and the mechanism measures below it, one column per seed.

    Rows: ID (solid) and held-out (dashed) analogical accuracy (pale: p(correct)), with ▼ where
    each reaches the threshold; attention from `<f>` to the source per layer/head (colour) and prompt split
    (line style); parallelism per head (s = the head's OV output of the source) and the
    parallelogram score (black, s = the source's embedding); isometry of E1 and E2, the Pearson
    (solid) and Spearman rank (dotted) correlation of their pairwise distances, each with the
    95 % interval of its permutation null shaded; the dotted grey line on the attention row is
    its chance level, 1 / the prompt tokens the functor token attends to. Grey
    vertical lines mark the analogy crossings in every row (solid ID, dashed held-out); ▲ marks
    each measure's onset on the curve that `stage_order.csv` times (the functor head on the
    held-out prompts).
    """
    seeds = sorted(mechanism["seed"].unique()) or sorted(dynamics["seed"].unique())
    fig, axes = plt.subplots(len(ROWS), len(seeds), figsize=(3.3 * len(seeds) + 2.4, 8.4),
                             sharex=True, sharey="row", squeeze=False)
    heads = mechanism.dropna(subset=["layer"])[["layer", "head"]].drop_duplicates()
    head_colors = {(int(layer), int(head)): plt.cm.tab10(i % 10)
                   for i, (layer, head) in enumerate(sorted(heads.itertuples(index=False)))}
    for col, seed in enumerate(seeds):
        run = mechanism[mechanism["seed"] == seed]
        _accuracy_panel(axes[0, col], dynamics[dynamics["seed"] == seed],
                        crossings[crossings["seed"] == seed])
        for (layer, head), color in head_colors.items():
            label = f"L{layer} H{head}"
            for metric, row in (("attention_to_source", 1), ("parallelism_ov", 2)):
                _split_curves(axes[row, col], run[(run["metric"] == metric)
                                                  & (run["layer"] == layer)
                                                  & (run["head"] == head)], color, label)
        _split_curves(axes[2, col], run[run["metric"] == "parallelogram"], "black",
                      "parallelogram (s = x_e)")
        for metric, (color, style, label) in ISOMETRY_CURVES.items():
            iso = run[run["metric"] == metric].sort_values("epoch")
            axes[3, col].plot(iso["epoch"], iso["value"], color=color, ls=style, lw=1.3,
                              label=label)
        _chance_levels(axes[1, col], axes[3, col], run)
        _mark_onsets(axes, run, stages[stages["seed"] == seed], col)
        _mark_crossings(axes[:, col], crossings[crossings["seed"] == seed])
        axes[0, col].set_title(f"seed {seed}")
        axes[-1, col].set_xlabel("epoch")
    _epoch_axis(axes[0, 0], pd.concat([mechanism["epoch"], dynamics["epoch"]]))
    for row, (_, label) in enumerate(ROWS):
        axes[row, 0].set_ylabel(label)
        handles, labels = axes[row, -1].get_legend_handles_labels()
        unique = {label: handle for label, handle in zip(labels, handles)
                  if row == 0 or "reaches threshold" not in label}
        axes[row, -1].legend(unique.values(), unique.keys(), frameon=False, fontsize=7,
                             loc="upper left", bbox_to_anchor=(1.02, 1))
    axes[0, 0].set_ylim(-0.04, 1.04)
    axes[1, 0].set_ylim(-0.04, 1.04)
    axes[3, 0].set_ylim(-1.04, 1.04)
    fig.suptitle(f"{title}: functor mechanism over training")
    fig.tight_layout()
    return fig


def _chance_levels(attention: plt.Axes, isometry: plt.Axes, run: pd.DataFrame) -> None:
    """The attention's chance level (dotted) and the isometries' permutation-null intervals
    (shaded), where the run's mechanism rows have them."""
    chance = run.loc[run["metric"] == "attention_chance", "value"]
    for level in sorted(set(chance.round(6))):
        attention.axhline(level, color="0.35", lw=0.9, ls=(0, (1, 2)), zorder=1,
                          label="chance (1 / prompt tokens)")
    for metric, (color, _, _) in ISOMETRY_CURVES.items():
        null = run[run["metric"].isin([f"{metric}_null_low", f"{metric}_null_high"])]
        band = null.pivot_table(index="epoch", columns="metric", values="value").dropna()
        if len(band) == 0:
            continue
        name = "r" if metric == "isometry" else "ρ"
        isometry.fill_between(band.index, band[f"{metric}_null_low"],
                              band[f"{metric}_null_high"], color=color, alpha=0.12, lw=0,
                              label=f"permutation null 95 %, {name}")


def _accuracy_panel(ax: plt.Axes, dynamics: pd.DataFrame, crossings: pd.DataFrame) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        for metric, alpha, label in (("accuracy", 1.0, "accuracy"), ("prob", 0.4, "p(correct)")):
            curve = dynamics[(dynamics["split"] == split) & (dynamics["metric"] == metric)]
            curve = curve.sort_values("epoch")
            ax.plot(curve["epoch"], curve["value"], color="tab:red", lw=1.4, ls=style,
                    alpha=alpha, label=f"{name} {label}")
    marks = crossings[crossings["split"].isin(ANALOGY_SPLITS)].dropna(subset=["epoch"])
    for _, mark in marks.iterrows():
        held_out = mark["split"] == "ood_analogical"
        ax.plot(mark["epoch"], mark["threshold"], marker="v", ms=6, color="tab:red",
                mfc="white" if held_out else "tab:red", ls="none")


def _split_curves(ax: plt.Axes, rows: pd.DataFrame, color, label: str) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        curve = rows[rows["split"] == split].sort_values("epoch")
        if len(curve):
            ax.plot(curve["epoch"], curve["value"], color=color, ls=style, lw=1.3,
                    label=f"{label}, {name} prompts")


def _mark_onsets(axes: np.ndarray, run: pd.DataFrame, stages: pd.DataFrame, col: int) -> None:
    """▲ at each summary curve's onset epoch (stage_order.csv), on that curve."""
    if stages.empty:
        return
    onsets = stages.iloc[0]
    curves = summary_curves(run)
    for metric, row in (("attention_to_source", 1), ("parallelism_ov", 2),
                        ("parallelogram", 2), ("isometry", 3), ("isometry_spearman", 3)):
        epoch = onsets.get(f"{metric}_onset_epoch", np.nan)
        if metric in curves and np.isfinite(epoch) and epoch in curves[metric].index:
            axes[row, col].plot(epoch, curves[metric].loc[epoch], marker="^", ms=7,
                                color="0.15", mfc="gold", ls="none", zorder=4,
                                label="onset (half-rise)")


def _mark_crossings(column: np.ndarray, crossings: pd.DataFrame) -> None:
    for split, (name, style) in ANALOGY_SPLITS.items():
        epoch = crossings.loc[crossings["split"] == split, "epoch"].dropna()
        for ax in column:
            for value in epoch:
                ax.axvline(value, color="0.55", lw=0.8, ls=style, zorder=0,
                           label=f"{name} analogy reaches threshold")
