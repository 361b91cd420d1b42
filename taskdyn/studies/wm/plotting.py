"""Figures of the working-memory study: stimuli, accuracy, decoding (cross-time, executive vs
non-executive steps, cross-stimulus, cross-task), Procrustes, orthogonality, causal
perturbation.

Every function takes arrays or long tables (as written by `taskdyn.studies.wm.jobs`)
and returns a matplotlib figure; `taskdyn.plotting.save_figure` writes it. Figures of CNN
features or of RNNs trained on them name the encoder with its weights' source
(`encoder_label`, `encoder_caption`): random-frozen features are never passed off as ImageNet's.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from taskdyn.plotting import plt
from taskdyn.studies.wm import encoder_label
from taskdyn.studies.wm.analysis.orthogonalisation import TEST_UNITS, test_samples
from taskdyn.tasks.nback import CLASS_NAMES

SPLIT_ORDER = ("train", "val", "novel_angle", "novel_identity")
SWAP_LABELS = {"direct": "fitted at t+1", "reconstructed": "own rotation",
               "same_age": "swap: same age", "same_stimulus": "swap: same stimulus",
               "unrotated": "no rotation"}


def encoder_caption(encoder: dict) -> str:
    """A figure's caption naming the features its RNNs were trained on, with a warning when
    `weights: auto` fell back to random-frozen weights."""
    caption = f"RNNs trained on {encoder_label(encoder)} features"
    if encoder["requested_weights"] == "auto" and \
            encoder["weights_source"].startswith("random-frozen"):
        caption += ("\nWARNING: encoder weights 'auto' fell back to random-frozen weights "
                    "(ImageNet weights unavailable)")
    return caption


def add_caption(fig: plt.Figure, caption: str) -> plt.Figure:
    """`fig` with `caption` centred below everything drawn (panels, labels, annotations)."""
    bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0  # inches
    fig.text(0.5, (bottom - 0.08) / fig.get_figheight(), caption, ha="center", va="top",
             fontsize=8)
    return fig


def stimuli_grid(images: np.ndarray, props: dict[str, np.ndarray],
                 category_names: list[str]) -> plt.Figure:
    """Left: every category × identity (first location and angle). Right: one object's
    locations × angles."""
    n_cat, n_id = props["category"].max() + 1, props["identity"].max() + 1
    n_loc, n_ang = props["location"].max() + 1, props["angle"].max() + 1
    fig = plt.figure(figsize=(1.1 * (n_id + n_ang) + 0.6, 1.1 * max(n_cat, n_loc) + 0.5))
    left, right = fig.subfigures(1, 2, width_ratios=[n_id, n_ang])
    _image_grid(left, images, props, rows=("category", n_cat), cols=("identity", n_id),
                fixed={"location": 0, "angle": 0},
                row_labels=[str(c) for c in category_names])
    _image_grid(right, images, props, rows=("location", n_loc), cols=("angle", n_ang),
                fixed={"category": 0, "identity": 0},
                row_labels=[f"loc {k}" for k in range(n_loc)])
    left.suptitle("categories × identities", fontsize=9)
    right.suptitle(f"{category_names[0]} 0: locations × angles", fontsize=9)
    return fig


def _image_grid(fig, images, props, rows, cols, fixed, row_labels):
    axes = fig.subplots(rows[1], cols[1], squeeze=False)
    for r in range(rows[1]):
        for c in range(cols[1]):
            ax = axes[r, c]
            ax.set_xticks([]), ax.set_yticks([])
            match = np.ones(len(images), dtype=bool)
            for key, value in {**fixed, rows[0]: r, cols[0]: c}.items():
                match &= props[key] == value
            if match.any():
                ax.imshow(images[np.flatnonzero(match)[0]])
            if c == 0:
                ax.set_ylabel(row_labels[r], fontsize=8)
            if r == rows[1] - 1:
                ax.set_xlabel(f"{cols[0]} {c}", fontsize=8)


def accuracy_bars(table: pd.DataFrame) -> plt.Figure:
    """Response-step accuracy per N-back task (x) and split (bars), one panel per scenario × model;
    bars are seed means, dots single seeds."""
    table = table[table["nback_task"] != "all"]
    panels = list(table.groupby(["task", "model"], sort=True))
    splits = [s for s in SPLIT_ORDER if s in set(table["split"])]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 2.3 * len(panels)), squeeze=False)
    width = 0.8 / len(splits)
    for ax, ((scenario, model), frame) in zip(axes[:, 0], panels):
        tasks = sorted(frame["nback_task"].unique())
        for k, split in enumerate(splits):
            sub = frame[frame["split"] == split]
            x = np.arange(len(tasks)) + (k - (len(splits) - 1) / 2) * width
            means = [sub.loc[sub["nback_task"] == t, "accuracy"].mean() for t in tasks]
            ax.bar(x, means, width, label=split.replace("_", " "))
            for xi, t in zip(x, tasks):
                vals = sub.loc[sub["nback_task"] == t, "accuracy"]
                ax.plot(np.full(len(vals), xi), vals, "k.", ms=3)
        ax.axhline(0.5, color="grey", lw=0.8, ls="--")
        ax.set_xticks(np.arange(len(tasks)), [t.replace("_", "\n") for t in tasks], fontsize=7)
        ax.set_xlim(-0.6, max(len(tasks), 4) - 0.4)  # a single task keeps bars of normal width
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("accuracy")
        ax.set_title(f"{scenario} / {model}", fontsize=9)
    axes[0, 0].legend(fontsize=7, ncol=len(splits), loc="lower left", bbox_to_anchor=(0, 1.12))
    fig.tight_layout()
    return fig


def cross_time_matrices(table: pd.DataFrame, stimulus: int = 0) -> plt.Figure:
    """Chance-normalised accuracy of decoders of the stimulus shown at step `stimulus`, trained
    at one step (rows) and tested at another (columns); seeds averaged. Per scenario, one row of
    panels per model's RNN states (labelled with the trials decoded, e.g. the identity tasks),
    then one for the CNN features of the stimulus on screen (the model column names the
    encoder); one column per property."""
    table = table[(table["analysis"] == "cross_time") & (table["stimulus"] == stimulus)]
    props = list(dict.fromkeys(table["property"]))
    rows = []
    for scenario, frame in table.groupby("task", sort=True):
        rnn, cnn = frame[frame["space"] == "rnn"], frame[frame["space"] == "cnn"]
        trials = ", ".join(sorted(frame["trials"].unique())) if "trials" in frame else ""
        rows += [(f"{scenario}/{m}\nRNN, {trials}", rnn[rnn["model"] == m])
                 for m in sorted(rnn["model"].unique())]
        rows += [(f"{scenario}\n{m} features", cnn[cnn["model"] == m])
                 for m in sorted(cnn["model"].unique())]
    fig, axes = plt.subplots(len(rows), len(props), squeeze=False,
                             figsize=(2.3 * len(props) + 0.8, 2.6 * len(rows)))
    image = None
    for r, (label, frame) in enumerate(rows):
        for c, prop in enumerate(props):
            grid = frame[frame["property"] == prop].pivot_table(
                index="train_time", columns="test_time", values="normalised")
            ax = axes[r, c]
            image = ax.imshow(grid.to_numpy(), vmin=0, vmax=1, cmap="viridis", origin="upper")
            ax.set_xticks(range(len(grid.columns)), grid.columns)
            ax.set_yticks(range(len(grid.index)), grid.index)
            if r == 0:
                ax.set_title(prop)
            if c == 0:
                ax.set_ylabel(f"{label}\ntrain step", fontsize=8)
            if r == len(rows) - 1:
                ax.set_xlabel("test step")
    fig.colorbar(image, ax=axes, shrink=0.6, label="(acc − chance) / (1 − chance)")
    return fig


def procrustes_bars(table: pd.DataFrame) -> plt.Figure:
    """Chance-normalised accuracy at step t+1 of decoders moved from step t, per condition
    (bars), averaged over the transitions whose decoders at both steps beat chance (the
    `above_chance` rows: elsewhere own rotation ≈ direct fit holds trivially) and over seeds;
    one panel per property, groups per scenario × model, each labelled with its number of
    transitions (n)."""
    table = table[table["metric"] == "accuracy"]
    props = list(dict.fromkeys(table["property"]))
    groups = list(table.groupby(["task", "model"], sort=True).groups)
    if "above_chance" in table:
        table = table[table["above_chance"].astype(bool)]
    if "normalised" not in table:
        table = table.assign(normalised=(table["value"] - 1 / table["n_classes"])
                             / (1 - 1 / table["n_classes"]))
    fig, axes = plt.subplots(1, len(props), figsize=(3.4 * len(props), 3.2), squeeze=False)
    width = 0.8 / len(SWAP_LABELS)
    for ax, prop in zip(axes[0], props):
        sub = table[table["property"] == prop]
        for k, (cond, label) in enumerate(SWAP_LABELS.items()):
            means = [sub[(sub["task"] == s) & (sub["model"] == m)
                         & (sub["condition"] == cond)]["normalised"].mean() for s, m in groups]
            x = np.arange(len(groups)) + (k - (len(SWAP_LABELS) - 1) / 2) * width
            ax.bar(x, means, width, label=label)
        counts = [len(sub[(sub["task"] == s) & (sub["model"] == m)
                          & (sub["condition"] == "direct")]) for s, m in groups]
        ax.axhline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_xticks(range(len(groups)), [f"{s}\n{m}\nn = {n}" for (s, m), n
                                           in zip(groups, counts)], fontsize=7)
        if not any(counts):
            ax.text(0.5, 0.5, "no transition\nabove chance", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)
        ax.set_ylim(-0.1, 1.02)
        ax.set_title(prop)
    axes[0, 0].set_ylabel("(acc − chance) / (1 − chance) at t+1\nabove-chance transitions",
                          fontsize=8)
    axes[0, -1].legend(*axes[0, 0].get_legend_handles_labels(), fontsize=7, loc="upper left",
                       bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


EXECUTIVE_GROUPS = (("pooled", "all"), ("pooled", "on-screen differs"),
                    ("age-matched", "all"), ("age-matched", "on-screen differs"))
EXECUTIVE_LABELS = {"pooled": "all ages", "age-matched": "same ages",
                    "all": "all", "on-screen differs": "screen ≠"}


def executive_bars(table: pd.DataFrame) -> plt.Figure:
    """Chance-normalised accuracy of decoders fitted at a stimulus's encoding step, on later
    steps where the answer compares against that stimulus (executive, red) or where it is only
    held (non-executive, grey); seed means as bars, seeds as dots, hatched where a decoder had
    too few samples. Groups: every age pooled or only the ages that are some trial's N
    (same ages: age-matched), each on all samples and on those whose on-screen value differs from
    the remembered one (screen ≠: a screen-reading decoder scores on match steps, not there). One row of
    panels per scenario × model (RNN, then the CNN features), one column per property."""
    rows = []
    for scenario, frame in table.groupby("task", sort=True):
        rnn, cnn = frame[frame["space"] == "rnn"], frame[frame["space"] == "cnn"]
        rows += [(f"{scenario}/{m}\nRNN", rnn[rnn["model"] == m])
                 for m in sorted(rnn["model"].unique())]
        rows += [(f"{scenario}\n{m} features", cnn[cnn["model"] == m])
                 for m in sorted(cnn["model"].unique())]
    props = list(dict.fromkeys(table["property"]))
    fig, axes = plt.subplots(len(rows), len(props), squeeze=False, sharey=True,
                             figsize=(3.2 * len(props) + 1.0, 2.3 * len(rows) + 0.6))
    width = 0.38
    for r, (label, frame) in enumerate(rows):
        trials = ", ".join(sorted(frame["trials"].unique())) if "trials" in frame else ""
        for c, prop in enumerate(props):
            ax, sub = axes[r, c], frame[frame["property"] == prop]
            for g, (level, samples) in enumerate(EXECUTIVE_GROUPS):
                for k, (kind, colour) in enumerate((("executive", "C3"),
                                                    ("non_executive", "0.6"))):
                    vals = sub[(sub["level"] == level) & (sub["samples"] == samples)
                               & (sub["kind"] == kind)]
                    if not len(vals):
                        continue
                    x = g + (k - 0.5) * width
                    few = "sample_check" in vals and (vals["sample_check"] != "ok").any()
                    ax.bar(x, vals["normalised"].mean(), width, color=colour,
                           hatch="//" if few else None, edgecolor="k" if few else None,
                           label=kind.replace("_", "-") if (r, c, g) == (0, 0, 0) else None)
                    ax.plot(np.full(len(vals), x), vals["normalised"], "k.", ms=3)
            ax.axhline(0.0, color="grey", lw=0.8, ls="--")
            ax.set_xticks(range(len(EXECUTIVE_GROUPS)),
                          [f"{EXECUTIVE_LABELS[a]}\n{EXECUTIVE_LABELS[b]}"
                           for a, b in EXECUTIVE_GROUPS], fontsize=6)
            if r == 0:
                ax.set_title(prop)
            if c == 0:
                ax.set_ylabel(f"{label}\n{trials}\n(acc − chance) / (1 − chance)", fontsize=7)
    axes[0, -1].legend(*axes[0, 0].get_legend_handles_labels(), fontsize=7, loc="upper left",
                       bbox_to_anchor=(1.02, 1.0), title="test step", title_fontsize=7)
    fig.tight_layout()
    return fig


def cross_stimulus_curves(table: pd.DataFrame) -> plt.Figure:
    """Cross-stimulus encoding (Fig. 4d): chance-normalised accuracy of a decoder fitted on the
    encoding of the stimulus shown at step i, tested on the encoding of the stimulus shown at
    step i + k, against k (k = 0: same-space validation), averaged over i and seeds. One panel
    per scenario (rows) × property (columns); RNN models solid, the CNN features dashed."""
    table = table[table["analysis"] == "cross_stimulus"]
    table = table.assign(offset=table["test_time"] - table["train_time"])
    props = list(dict.fromkeys(table["property"]))
    scenarios = sorted(table["task"].unique())
    fig, axes = plt.subplots(len(scenarios), len(props), squeeze=False, sharey=True,
                             figsize=(2.8 * len(props) + 1.6, 2.3 * len(scenarios) + 0.4))
    for r, scenario in enumerate(scenarios):
        frame = table[table["task"] == scenario]
        lines = frame[["space", "model"]].drop_duplicates().sort_values(
            ["space", "model"], ascending=[False, True])
        for c, prop in enumerate(props):
            ax = axes[r, c]
            for k, (space, model) in enumerate(lines.itertuples(index=False, name=None)):
                sub = frame[(frame["property"] == prop) & (frame["space"] == space)
                            & (frame["model"] == model)]
                curve = sub.groupby("offset")["normalised"].mean()
                ax.plot(curve.index, curve.to_numpy(), "--" if space == "cnn" else "-",
                        marker=".", color=f"C{k}", label=f"{space.upper()} {model}")
            ax.axhline(0.0, color="grey", lw=0.8, ls=":")
            ax.axvline(0.0, color="grey", lw=0.8, ls=":")
            if r == 0:
                ax.set_title(prop)
            if c == 0:
                trials = ", ".join(sorted(frame["trials"].unique())) if "trials" in frame \
                    else ""
                ax.set_ylabel(f"{scenario} ({trials})\n(acc − chance) / (1 − chance)",
                              fontsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if r == len(scenarios) - 1:
                ax.set_xlabel("tested on stimulus i + k: k")
        axes[r, -1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


# Significance stars of the orthogonalisation t-test: the first threshold p falls below.
STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
INDEX_LABELS = {"normalised": "O / O(random directions)", "index": "O"}
ORTHOGONALISATION_TEST_COLUMNS = ("task", "model", "cnn_encoder", "matched", "index", "test",
                                  "n_cnn", "n_rnn", "mean_cnn", "mean_rnn", "t", "dof", "p")


def significance_stars(p: float) -> str:
    """`***` p < 0.001, `**` p < 0.01, `*` p < 0.05, `n.s.` otherwise; `n/a` for NaN (the
    test was undefined)."""
    if not np.isfinite(p):
        return "n/a"
    return next((stars for level, stars in STARS if p < level), "n.s.")


def orthogonalisation_bars(table: pd.DataFrame, test: pd.DataFrame) -> plt.Figure:
    """Normalised orthogonalisation index of one-vs-rest decoder normals per property (panels):
    per scenario (groups) the CNN features (first bar) and each RNN model's encoding step;
    bars are seed means, dots single seeds.

    A last panel shows the t-test of CNN against RNN orthogonalisation (`test`, as written by
    `taskdyn.studies.wm.jobs.orthogonalisation_test`), per scenario × RNN model (against the
    encoder the RNNs were trained on; a random-frozen control encoder is a CNN bar beside it): bars
    are the means the test compares (of the index it tested), dots its samples (per pair of
    decoder normals or per property, as the test's `unit` says; RNN values averaged over
    seeds), stars above an RNN bar its
    significance against the CNN bar of the same scenario (`STARS`); t, dof and p are listed
    below the panel.
    """
    missing = [c for c in ORTHOGONALISATION_TEST_COLUMNS if c not in test.columns]
    if missing:
        raise ValueError(f"the orthogonalisation t-test table lacks columns {missing}: it was "
                         "written by an older version; rerun rule wm_compare_orthogonalisation")
    per_property = table if "sample" not in table else table[table["sample"] == "property"]
    props = list(dict.fromkeys(table["property"]))
    bars = table[["space", "model"]].drop_duplicates().sort_values(["space", "model"])
    bars = list(bars.itertuples(index=False, name=None))
    scenarios = sorted(table["task"].unique())
    width = 0.8 / len(bars)
    fig, axes = plt.subplots(1, len(props) + 1, figsize=(1.2 + 2.4 * (len(props) + 1), 2.8),
                             squeeze=False)
    for ax, prop in zip(axes[0], props):
        sub = per_property[per_property["property"] == prop]
        for k, (space, model) in enumerate(bars):
            x = np.arange(len(scenarios)) + (k - (len(bars) - 1) / 2) * width
            for xi, scenario in zip(x, scenarios):
                vals = sub[(sub["space"] == space) & (sub["model"] == model)
                           & (sub["task"] == scenario)]["normalised"]
                ax.bar(xi, vals.mean(), width, color=f"C{k}",
                       label=f"{space.upper()} {model}" if xi == x[0] else None)
                ax.plot(np.full(len(vals), xi), vals, "k.", ms=3)
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        ax.set_xticks(range(len(scenarios)), scenarios)
        ax.set_title(prop)
    axes[0, 0].set_ylabel("O / O(random directions)")
    stats = _orthogonalisation_test_panel(axes[0, -1], table, test, bars, scenarios, width)
    axes[0, -1].legend(*axes[0, 0].get_legend_handles_labels(), fontsize=7, loc="upper left",
                       bbox_to_anchor=(1.02, 1.0))
    stats.set_in_layout(False)  # below the panels: the saved figure grows instead
    fig.tight_layout()
    stats.set_in_layout(True)
    return fig


def _orthogonalisation_test_panel(ax, table: pd.DataFrame, test: pd.DataFrame,
                                  bars: list[tuple[str, str]], scenarios: list[str],
                                  width: float) -> plt.Text:
    """The t-test panel of `orthogonalisation_bars` (bar colours as in the property panels);
    returns the text listing t, dof and p below it."""
    column = test["index"].iloc[0] if len(test) else "normalised"
    described = test["unit"].iloc[0] if len(test) and "unit" in test else ""
    unit = next((k for k, v in TEST_UNITS.items() if v == described), "property")
    kind = ", ".join(sorted({"Welch" if t == "welch" else "Student" for t in test["test"]}))
    lines, stars_at, highest = [], [], 0.0
    for k, (space, model) in enumerate(bars):
        x = np.arange(len(scenarios)) + (k - (len(bars) - 1) / 2) * width
        for xi, scenario in zip(x, scenarios):
            rows = table[(table["space"] == space) & (table["task"] == scenario)
                         & (table["model"] == model)]
            samples = test_samples(rows, unit, column)
            if space == "cnn":
                result = test[(test["task"] == scenario) & (test["cnn_encoder"] == model)]
                height = result["mean_cnn"].iloc[0] if len(result) else samples.mean()
            else:
                result = test[(test["task"] == scenario) & (test["model"] == model)
                              & test["matched"].astype(bool)]
                if not len(result):
                    continue
                height = result["mean_rnn"].iloc[0]
            ax.bar(xi, height, width, color=f"C{k}")
            ax.plot(np.full(len(samples), xi), samples, "k.", ms=3)
            highest = max(highest, height, *samples)
            if space != "rnn":
                continue
            row = result.iloc[0]
            stars = significance_stars(row["p"])
            stars_at.append((xi, max(height, *samples), stars))
            stats = (f"t = {row['t']:.2f}, df = {row['dof']:.1f}, p = {row['p']:.2g} {stars}"
                     if np.isfinite(row["p"]) else "test undefined")
            lines.append((scenario, model, f"{scenario} / {model}: {stats}"))
    if column == "normalised":
        ax.axhline(1.0, color="grey", lw=0.8, ls="--")
        highest = max(highest, 1.0)
    highest = highest if highest > 0 else 1.0
    narrow = len(bars) > 3  # side by side, "***" would run into its neighbours
    for xi, y, stars in stars_at:
        ax.text(xi, y + 0.03 * highest, stars, ha="center", va="bottom",
                fontsize=8 if stars.startswith("*") else 7, rotation=90 if narrow else 0)
    ax.set_ylim(0, 1.2 * highest)
    ax.set_xticks(range(len(scenarios)), scenarios)
    n = test[["n_cnn", "n_rnn"]].max().max() if len(test) else 0
    ax.set_title(f"{kind} t-test, CNN vs RNN", fontsize=9)
    ax.set_ylabel(f"{INDEX_LABELS.get(column, column)}\nmean over {n} "
                  f"{'pairs of normals' if unit == 'pair' else 'properties'}", fontsize=8)
    lines = ["t, dof, p (scenario / RNN model):", *(line for *_, line in sorted(lines))]
    return ax.text(0.0, -0.14, "\n".join(lines), transform=ax.transAxes, ha="left",
                   va="top", fontsize=7)


RESPONSE_LABELS = {"match": "P(match)", "non_match": "P(non-match)",
                   "no_action": "P(no-action)"}


def cross_task_matrices(table: pd.DataFrame) -> plt.Figure:
    """Cross-task decoding at the encoding step: a decoder of one property (columns) fitted on
    one task's trials (rows of a panel), scored on another's (columns of a panel); one row of
    panels per scenario × model, seeds averaged. Colour: chance-normalised accuracy; numbers:
    balanced accuracy; a red outline marks the training task that compares the decoded
    property (task-relevant)."""
    panels = list(table.groupby(["task", "model"], sort=True))
    props = list(dict.fromkeys(table["property"]))
    fig, axes = plt.subplots(len(panels), len(props), squeeze=False,
                             figsize=(2.6 * len(props) + 1.2, 2.5 * len(panels) + 0.3))
    image = None
    for r, ((scenario, model), frame) in enumerate(panels):
        tasks = list(dict.fromkeys(frame["train_task"]))
        for c, prop in enumerate(props):
            sub = frame[frame["property"] == prop]
            mean = sub.groupby(["train_task", "test_task"])[["accuracy", "normalised"]].mean()
            acc = mean["accuracy"].unstack().reindex(index=tasks, columns=tasks)
            norm = mean["normalised"].unstack().reindex(index=tasks, columns=tasks)
            ax = axes[r, c]
            image = ax.imshow(norm.to_numpy(), vmin=0, vmax=1, cmap="viridis")
            for (i, j), value in np.ndenumerate(acc.to_numpy()):
                if np.isfinite(value):
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                            color="black" if norm.iloc[i, j] > 0.6 else "white")
            relevant = set(sub.loc[sub["relevant"].astype(bool), "train_task"])
            for i in (i for i, task in enumerate(tasks) if task in relevant):
                ax.add_patch(plt.Rectangle((-0.5, i - 0.5), len(tasks), 1, fill=False,
                                           edgecolor="red", lw=1.5, clip_on=False))
            ax.set_xticks(range(len(tasks)), tasks, rotation=30, ha="right", fontsize=7)
            ax.set_yticks(range(len(tasks)), tasks if c == 0 else [], fontsize=7)
            chance = sub["chance"].mean()
            ax.set_title(f"decode {prop} (chance {chance:.2f})" if r == 0 else
                         f"{prop} (chance {chance:.2f})", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"{scenario} / {model}\ntrained on task", fontsize=8)
            if r == len(panels) - 1:
                ax.set_xlabel("tested on task", fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.7, label="(acc − chance) / (1 − chance)")
    return fig


def perturbation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Probabilities averaged over seeds and over the N-back tasks that compare one feature,
    weighted by their match steps."""
    keys = ["task", "model", "feature", "direction", "magnitude", "response"]
    weighted = table.assign(weight=table["n_samples"] * table["probability"])
    sums = weighted.groupby(keys, sort=True)[["weight", "n_samples"]].sum()
    return (sums["weight"] / sums["n_samples"]).rename("probability").reset_index()


def perturbation_curves(table: pd.DataFrame) -> plt.Figure:
    """Response probability at a match step (columns: match, non-match, no-action) against the
    size of a shift of the held memory one step before it, along the decoder normal of the
    compared feature (solid) or a random direction of the same length (dashed); one colour per
    compared feature, one row per scenario × model."""
    summary = perturbation_summary(table)
    panels = list(summary.groupby(["task", "model"], sort=True))
    features = list(dict.fromkeys(table["feature"]))
    responses = [r for r in CLASS_NAMES[::-1] if r in set(summary["response"])]
    fig, axes = plt.subplots(len(panels), len(responses), squeeze=False, sharex=True,
                             figsize=(2.7 * len(responses) + 1.6, 2.3 * len(panels) + 0.4))
    for r, ((scenario, model), frame) in enumerate(panels):
        for c, response in enumerate(responses):
            ax = axes[r, c]
            for k, feature in enumerate(features):
                for direction, style in (("decoder", "-"), ("random", "--")):
                    line = frame[(frame["feature"] == feature) & (frame["direction"] == direction)
                                 & (frame["response"] == response)].sort_values("magnitude")
                    if len(line):
                        ax.plot(line["magnitude"], line["probability"], style, marker=".",
                                color=f"C{k}", label=f"{feature}, {direction}")
            ax.set_ylim(-0.02, 1.02)
            if r == 0:
                ax.set_title(RESPONSE_LABELS.get(response, response))
            if c == 0:
                ax.set_ylabel(f"{scenario} / {model}\nmean probability", fontsize=8)
            if r == len(panels) - 1:
                ax.set_xlabel("shift size (SD along normal)")
    axes[0, -1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                       title="compared feature, shift", title_fontsize=7)
    fig.tight_layout()
    return fig
