"""Figures of the thalamus study, each drawn from one of its long tables."""

from __future__ import annotations

import textwrap

import matplotlib.figure
import matplotlib.ticker
import numpy as np
import pandas as pd

from taskdyn.plotting import plt

PASS_ACCURACY = 0.95  # the bAbI pass mark (error <= 5 %)
GATE_COLOURS = {"learned": "tab:blue", "last_k": "tab:orange", "random_k": "tab:green",
                "oracle": "tab:red", "none": "0.4", "lstm": "tab:purple"}
MIN_DISTANCE_QUESTIONS = 10  # distances with fewer test questions (all seeds) are not drawn
ROLE_COLOURS = {"other": "0.6", "supporting": "tab:blue", "question_word": "tab:orange",
                "answer": "tab:red"}


def accuracy_figure(table: pd.DataFrame) -> matplotlib.figure.Figure:
    """Bars: mean test accuracy per bAbI task and model (dots: seeds); ticks: published rates."""
    tasks, models = sorted(table["babi_task"].unique()), list(dict.fromkeys(table["model"]))
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(tasks) * max(1, len(models) / 3), 3.2))
    for m, model in enumerate(models):
        rows = table[table["model"] == model]
        for t, task in enumerate(tasks):
            acc = rows.loc[rows["babi_task"] == task, "accuracy"].to_numpy()
            x = t + (m - (len(models) - 1) / 2) * width
            ax.bar(x, acc.mean(), width, color=f"C{m}", label=model if t == 0 else None)
            ax.plot(np.full(len(acc), x), acc, "k.", ms=3)
    refs = table.drop_duplicates("babi_task").set_index("babi_task").loc[tasks]
    for column, marker, name in (("ref_lstm_error_pct", "v", "LSTM (published, 1k)"),
                                 ("ref_memn2n_error_pct", "^", "MemN2N (published, 1k)")):
        ax.plot(np.arange(len(tasks)) + 0.45, 1 - refs[column] / 100, marker, color="k",
                mfc="white", ls="none", label=name)
    ax.axhline(PASS_ACCURACY, color="0.5", ls="--", lw=0.8, label="pass (95 %)")
    ax.set(xticks=range(len(tasks)), xticklabels=[f"qa{t}" for t in tasks], ylim=(0, 1.05),
           ylabel="test accuracy", title=f"bAbI test accuracy ({table['config'].iloc[0]})")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    return fig


def task_swap_figure(table: pd.DataFrame, value: str = "accuracy",
                     label: str = "test accuracy") -> matplotlib.figure.Figure:
    """Heatmaps of `value` on each true task when given each task id, one per model (mean
    over seeds, each cell annotated)."""
    models = list(dict.fromkeys(table["model"]))
    fig, axes = plt.subplots(1, len(models), figsize=(3.4 * len(models) + 0.8, 3.0),
                             squeeze=False, layout="constrained")
    for m, (ax, model) in enumerate(zip(axes[0], models, strict=True)):
        rows = table[table["model"] == model]
        matrix = rows.pivot_table(index="true_task", columns="given_task", values=value)
        image = ax.imshow(matrix.to_numpy(), vmin=0, vmax=1, cmap="viridis")
        for (i, j), cell in np.ndenumerate(matrix.to_numpy()):
            ax.text(j, i, f"{cell:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if cell < 0.6 else "black")
        n_seeds = rows["seed"].nunique()
        ax.set(xticks=range(matrix.shape[1]), yticks=range(matrix.shape[0]),
               xticklabels=[f"qa{t}" for t in matrix.columns],
               yticklabels=[f"qa{t}" for t in matrix.index],
               xlabel="task id given", ylabel="true task" if m == 0 else None, title=model)
        ax.set_title(f"{n_seeds} seed{'s' if n_seeds > 1 else ''}", loc="right", fontsize=7)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label=label)
    return fig


def salience_figure(table: pd.DataFrame) -> matplotlib.figure.Figure:
    """One panel per example story: salience per token, kept tokens dark, supporting shaded."""
    examples = list(dict.fromkeys(table["example"]))
    width = min(16.0, 2.0 + 0.14 * table.groupby("example").size().max())
    fig, axes = plt.subplots(len(examples), 1, figsize=(width, 1.9 * len(examples)),
                             squeeze=False)
    for ax, example in zip(axes[:, 0], examples, strict=True):
        rows = table[table["example"] == example].sort_values("position")
        x = rows["position"].to_numpy()
        for pos in x[rows["supporting"].to_numpy()]:
            ax.axvspan(pos - 0.5, pos + 0.5, color="gold", alpha=0.35, lw=0)
        colours = np.where(rows["selected"], "tab:blue", "lightsteelblue")
        ax.bar(x, rows["salience"], color=colours, width=0.8)
        ax.set_xticks(x, rows["word"], rotation=90, fontsize=6)
        ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
        first = rows.iloc[0]
        title = (f"qa{first['babi_task']}: {first['question']}  answer: {first['answer']}, "
                 f"predicted: {first['prediction']}")
        ax.set_title(textwrap.shorten(title, 140), fontsize=8, loc="left")
        ax.set_ylabel("salience")
    axes[0, 0].legend(handles=[plt.Rectangle((0, 0), 1, 1, color=c) for c in
                               ("tab:blue", "lightsteelblue", "gold")],
                      labels=["kept (top-k)", "dropped", "supporting sentence"], fontsize=7,
                      loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def phase_figure(roles: pd.DataFrame, pca: pd.DataFrame) -> matplotlib.figure.Figure:
    """Left: mean phase tag per token role and dimension; right: phase PCA coloured by role."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.2),
                                      gridspec_kw={"width_ratios": [1.2, 1]})
    matrix = roles.pivot_table(index="role", columns="dim", values="mean_phase", sort=False)
    image = left.imshow(matrix.to_numpy(), cmap="coolwarm", vmin=-1, vmax=1, aspect="auto")
    counts = roles.drop_duplicates("role").set_index("role")["n_tokens"]
    left.set(yticks=range(len(matrix)), xlabel="phase dimension",
             title="mean phase tag by token role")
    left.set_yticklabels([f"{r} (n={counts[r]})" for r in matrix.index], fontsize=7)
    fig.colorbar(image, ax=left, shrink=0.8)
    for role, colour in ROLE_COLOURS.items():
        points = pca[pca["role"] == role]
        right.scatter(points["pc1"], points["pc2"], s=4, color=colour, alpha=0.6, label=role)
    right.set(xlabel="PC 1", ylabel="PC 2", title="phase tags (PCA, test tokens)")
    right.legend(fontsize=7, markerscale=3, frameon=False)
    fig.tight_layout()
    return fig


def _gate_colour(gate: str) -> str:
    return GATE_COLOURS.get(gate, "k")


def gate_sweep_figure(summary: pd.DataFrame) -> matplotlib.figure.Figure:
    """Accuracy and sentence recall against k, one line per gate type (mean over seeds with its
    95 % interval); models that keep every token are horizontal lines with a band."""
    tasks = sorted(summary["babi_task"].unique())
    metrics = (("accuracy", "test accuracy"), ("sentence_recall", "sentence recall"))
    fig, axes = plt.subplots(len(tasks), 2, figsize=(9.0, 3.0 * len(tasks)), squeeze=False)
    for row, task in zip(axes, tasks, strict=True):
        rows = summary[summary["babi_task"] == task]
        swept = rows[rows["k"].notna()]
        ks = sorted(swept["k"].unique()) or [1.0]
        for ax, (metric, label) in zip(row, metrics, strict=True):
            for gate, group in swept.groupby("gate", sort=False):
                group = group.sort_values("k")
                mean = group[f"{metric}_mean"].to_numpy()
                err = np.abs(np.stack([mean - group[f"{metric}_low"].to_numpy(),
                                       group[f"{metric}_high"].to_numpy() - mean]))
                ax.errorbar(group["k"], mean, yerr=np.nan_to_num(err), marker="o", ms=4,
                            capsize=3, color=_gate_colour(gate), label=f"{gate} gate")
            for r in rows[rows["k"].isna()].itertuples():
                colour = _gate_colour(r.gate)
                ax.axhline(getattr(r, f"{metric}_mean"), color=colour, ls="--", lw=1,
                           label=f"{r.model} (all tokens)")
                low, high = getattr(r, f"{metric}_low"), getattr(r, f"{metric}_high")
                if np.isfinite(low):
                    ax.axhspan(low, high, color=colour, alpha=0.12, lw=0)
            ax.set(xticks=ks, xlabel="k (story tokens kept)", ylabel=label, ylim=(0, 1.05),
                   title=f"qa{task}: {label}")
    n_seeds = int(summary["n_seeds"].max())
    fig.suptitle(f"gates against k ({summary['config'].iloc[0]}; mean of {n_seeds} seed(s), "
                 "95 % t interval)", fontsize=9)
    axes[0, 1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def gate_distance_figure(table: pd.DataFrame) -> matplotlib.figure.Figure:
    """Accuracy against how many sentences back the supporting fact is, one line per model
    (mean over seeds), coloured by gate type; sparse distances are left out."""
    tasks = sorted(table["babi_task"].unique())
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks) + 1.8, 3.4),
                             squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        rows = table[table["babi_task"] == task]
        totals = rows.groupby(["model", "distance"])["n_questions"].transform("sum")
        rows = rows[totals >= MIN_DISTANCE_QUESTIONS]
        styles = ("-", "--", ":", "-.")
        seen: dict[str, int] = {}
        for model, group in rows.groupby("model", sort=False):
            gate = group["gate"].iloc[0]
            style = styles[seen.setdefault(gate, 0) % len(styles)]
            seen[gate] += 1
            curve = group.groupby("distance")["accuracy"].mean()
            k = group["k"].iloc[0]
            ax.plot(curve.index, curve.to_numpy(), marker="o", ms=3, ls=style,
                    color=_gate_colour(gate),
                    label=f"{model} ({gate}{'' if pd.isna(k) else f', k={k:g}'})")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set(xlabel="supporting fact: sentences back", ylabel="test accuracy",
               ylim=(0, 1.05), title=f"qa{task}: accuracy by supporting-fact distance")
    axes[0, -1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig
