"""Pipeline stages of the thalamus study: bAbI files (the datasets' inputs), tables and figures.

Each function takes paths and JSON-decoded config slices (the `scripts/thalamus_*.py` adapters
pass them). Tables are long CSVs with provenance; figures read tables only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.io import read_h5, read_h5_attrs, read_table, write_table
from taskdyn.plotting import save_figure
from taskdyn.provenance import provenance
from taskdyn.studies.splits import held_out
from taskdyn.studies.thalamus import plotting as plots
from taskdyn.studies.thalamus.analysis import (
    accuracy_by_group,
    gate_overlap_matrix,
    gate_scores,
    mean_interval,
    phase_by_role,
    phase_pca,
    support_distance,
    swap_drop,
    task_swap_matrix,
)
from taskdyn.tasks.babi_download import download_babi
from taskdyn.tasks.babi_generate import write_babi_files
from taskdyn.tasks.babi_parse import ROLE_NAMES

# Published test error (%) with 1k training questions per task: the LSTM of Weston et al. (2015)
# and MemN2N (PE LS RN, joint training, 3 hops), both from Sukhbaatar et al., "End-To-End Memory
# Networks", NeurIPS 2015, Table 1 (values as in shared/specs/wm_analogy_thalamus.md, C.4).
REFERENCE_SOURCE = ("Sukhbaatar et al. 2015 (End-To-End Memory Networks) Table 1, 1k training: "
                    "LSTM (Weston et al. 2015) and MemN2N PE LS RN joint 3-hop test error %")
REFERENCE_ERROR_PCT = {  # task: (LSTM, MemN2N)
    1: (50.0, 0.0), 2: (80.0, 11.4), 3: (80.0, 21.9), 4: (39.0, 13.4), 5: (30.0, 14.4),
    6: (52.0, 2.8), 7: (51.0, 18.3), 8: (55.0, 9.3), 9: (36.0, 1.9), 10: (56.0, 6.5),
    11: (38.0, 0.3), 12: (26.0, 0.1), 13: (6.0, 0.2), 14: (73.0, 6.9), 15: (79.0, 0.0),
    16: (77.0, 2.7), 17: (49.0, 40.4), 18: (48.0, 9.4), 19: (92.0, 88.0), 20: (9.0, 0.0),
}


# -- data ------------------------------------------------------------------------------------


def generate_babi(*, babi_task: int, generate: dict, train: str, test: str) -> None:
    """Write one generated bAbI task's train and test files."""
    write_babi_files(babi_task, {"train": train, "test": test}, n_train=generate["n_train"],
                     n_test=generate["n_test"], seed=generate["seed"])


def fetch_babi(*, data: dict, archive: str) -> None:
    """Download and verify the official archive to `archive`; extract `en`, `en-10k` beside it."""
    download_babi(data["url"], archive, data["sha256"])


# -- tables ----------------------------------------------------------------------------------


def _test_labels(path: str) -> dict[str, np.ndarray]:
    labels = {k.removeprefix("labels/"): v for k, v in read_h5(path).items()
              if k.startswith("labels/")}
    test = held_out(labels["split"])
    return {k: v[test] for k, v in labels.items()}


def accuracy_table(*, evaluations: list[str], runs: dict[str, dict], config: str,
                   table: str) -> None:
    """Test accuracy per bAbI task × model × seed, beside the published 1k error rates."""
    rows = []
    for path in evaluations:
        run = runs[path]
        labels = _test_labels(path)
        for babi, acc in accuracy_by_group(labels["prediction"], labels["answer"],
                                           labels["babi_task"]).items():
            lstm, memn2n = REFERENCE_ERROR_PCT[babi]
            rows.append({"config": config, **run, "babi_task": babi,
                         "n_questions": int(np.sum(labels["babi_task"] == babi)),
                         "accuracy": acc, "error_pct": 100 * (1 - acc),
                         "ref_lstm_error_pct": lstm, "ref_memn2n_error_pct": memn2n})
    write_table(table, pd.DataFrame(rows),
                provenance({"evaluations": evaluations}, reference=REFERENCE_SOURCE))


def gating_table(*, evaluations: list[str], runs: dict[str, dict], config: str,
                 table: str) -> None:
    """Gate precision and recall against the supporting sentences, per bAbI task."""
    rows = []
    for path in evaluations:
        run = runs[path]
        labels = _test_labels(path)
        scores = gate_scores(labels["selected"], labels["supporting"], labels["sentence"],
                             labels["role"] >= 0)
        for babi in np.unique(labels["babi_task"]):
            rows_of = labels["babi_task"] == babi
            rows.append({"config": config, **run, "babi_task": int(babi),
                         **{name: float(np.nanmean(getattr(scores, name)[rows_of]))
                            for name in ("precision", "token_recall", "sentence_recall",
                                         "chance_precision", "n_selected")}})
    write_table(table, pd.DataFrame(rows), provenance({"evaluations": evaluations}))


FAR_SENTENCES = 3  # a supporting fact this many sentences back or more is "far" (the claim's)
SUMMARY_METRICS = ("accuracy", "sentence_recall", "precision", "token_recall", "accuracy_near",
                   "accuracy_far")
INTERVAL = "95 % Student-t interval of the mean over seeds (mean ± t_0.975,n-1 · sd / √n)"


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else np.nan


def gate_tables(*, evaluations: list[str], runs: dict[str, dict], gates: dict[str, dict],
                config: str, comparison_table: str, distance_table: str) -> None:
    """Per model × seed × bAbI task: accuracy, the kept tokens against the supporting facts and
    accuracy near and far (≥ FAR_SENTENCES back); and accuracy per supporting-fact distance.

    `gates` is {model: {gate, k}} (`taskdyn.studies.thalamus.gates`): the comparison's rows.
    """
    rows, by_distance = [], []
    for path in evaluations:
        run = {**runs[path], **gates[runs[path]["model"]]}
        labels = _test_labels(path)
        correct = labels["prediction"] == labels["answer"]
        scores = gate_scores(labels["selected"], labels["supporting"], labels["sentence"],
                             labels["role"] >= 0)
        distance = support_distance(labels["supporting"], labels["sentence"])
        for babi in np.unique(labels["babi_task"]):
            of = labels["babi_task"] == babi
            far = of & (distance >= FAR_SENTENCES)
            near = of & (distance >= 0) & (distance < FAR_SENTENCES)
            rows.append({"config": config, **run, "babi_task": int(babi),
                         "n_questions": int(of.sum()), "accuracy": _mean(correct[of]),
                         **{name: float(np.nanmean(getattr(scores, name)[of]))
                            for name in ("precision", "token_recall", "sentence_recall")},
                         "n_near": int(near.sum()), "accuracy_near": _mean(correct[near]),
                         "n_far": int(far.sum()), "accuracy_far": _mean(correct[far])})
            by_distance += [{"config": config, **run, "babi_task": int(babi), "distance": int(d),
                             "n_questions": int(np.sum(of & (distance == d))),
                             "accuracy": _mean(correct[of & (distance == d)])}
                            for d in np.unique(distance[of & (distance >= 0)])]
    prov = provenance({"evaluations": evaluations}, far_sentences=FAR_SENTENCES)
    write_table(comparison_table, pd.DataFrame(rows), prov)
    write_table(distance_table, pd.DataFrame(by_distance), prov)


def summarise_gates(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model × bAbI task: seeds, and mean, low and high (`INTERVAL`) of `SUMMARY_METRICS`."""
    rows = []
    for (babi, model), group in frame.groupby(["babi_task", "model"], sort=False):
        first = group.iloc[0]
        row = {"config": first["config"], "model": model, "gate": first["gate"],
               "k": first["k"], "babi_task": babi, "n_seeds": group["seed"].nunique()}
        for metric in SUMMARY_METRICS:
            mean, low, high = mean_interval(group[metric].to_numpy())
            row |= {f"{metric}_mean": mean, f"{metric}_low": low, f"{metric}_high": high}
        rows.append(row)
    return pd.DataFrame(rows)


def gate_summary_table(*, table: str, summary: str) -> None:
    """The gate comparison across models: each metric's mean over seeds and its 95 % interval."""
    write_table(summary, summarise_gates(read_table(table)),
                provenance({"table": table}, interval=INTERVAL))


def task_swap_table(*, evaluations: list[str], runs: dict[str, dict], config: str,
                    table: str, summary: str) -> None:
    """Accuracy on each bAbI task's test questions when the model is given each task id (long
    table), and per model × seed its diagonal and off-diagonal means and their drop."""
    rows = []
    for path in evaluations:
        run = runs[path]
        labels = _test_labels(path)
        babi_tasks = _babi_tasks(labels["task"], labels["babi_task"])
        predictions = np.stack([labels[f"prediction_as_task{j}"]
                                for j in range(len(babi_tasks))])
        matrix = task_swap_matrix(predictions, labels["answer"], labels["task"])
        counts = np.bincount(labels["task"], minlength=len(babi_tasks))
        rows += [{"config": config, **run, "true_task": babi_tasks[i],
                  "given_task": babi_tasks[j], "n_questions": int(counts[i]),
                  "accuracy": matrix[i, j]}
                 for i in range(len(babi_tasks)) for j in range(len(babi_tasks))]
    frame = pd.DataFrame(rows)
    prov = provenance({"evaluations": evaluations})
    write_table(table, frame, prov)
    write_table(summary, summarise_task_swap(frame), {**prov, "summary": SWAP_SUMMARY})


SWAP_SUMMARY = ("per model × seed: diagonal = mean over true tasks of the accuracy under the "
                "true id, off_diagonal = mean over the (true, wrong id) cells, drop = diagonal "
                "− off_diagonal (cells unweighted)")


def _babi_tasks(task: np.ndarray, babi_task: np.ndarray) -> list[int]:
    """bAbI task number of each task id 0.. (from per-question labels)."""
    babi_of = dict(zip(task.tolist(), babi_task.tolist(), strict=True))
    return [int(babi_of[j]) for j in range(len(babi_of))]


def summarise_task_swap(frame: pd.DataFrame) -> pd.DataFrame:
    """Per config × model × seed of a task-swap table: tasks, diagonal and off-diagonal mean
    accuracy and the drop (`SWAP_SUMMARY`)."""
    rows = []
    for (config, model, seed), group in frame.groupby(["config", "model", "seed"], sort=False):
        matrix = group.pivot_table(index="true_task", columns="given_task", values="accuracy",
                                   dropna=False)
        diagonal, off = swap_drop(matrix.to_numpy())
        rows.append({"config": config, "model": model, "seed": seed, "n_tasks": len(matrix),
                     "diagonal": diagonal, "off_diagonal": off, "drop": diagonal - off})
    return pd.DataFrame(rows, columns=["config", "model", "seed", "n_tasks", "diagonal",
                                       "off_diagonal", "drop"])


def swap_outputs(model, split: dict[str, np.ndarray], n_tasks: int,
                 batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(predictions `[given, trial]`, kept tokens `[given, trial, token]`) of a thalamus reader
    on the questions of `split` when it is given each task id 0..n_tasks-1."""
    import torch  # imported here: only the jobs that run the model need it

    from taskdyn.studies.thalamus.study import MODEL_INPUTS, _run

    model.eval()
    predictions, selected = [], []
    with torch.no_grad():
        for given in range(n_tasks):
            p, s = [], []
            for begin in range(0, len(split["answer"]), batch_size):
                batch = {k: torch.as_tensor(split[k][begin:begin + batch_size])
                         for k in MODEL_INPUTS}
                out = _run(model, batch, torch.full_like(batch["task"], given))
                p.append(out.logits.argmax(1).numpy())
                s.append(out.selected.numpy())
            predictions.append(np.concatenate(p))
            selected.append(np.concatenate(s))
    return np.stack(predictions), np.stack(selected)


def gate_overlap(*, hp: dict, data: str, weights: str, run: dict, config: str, batch_size: int,
                 table: str) -> None:
    """One trained reader on the test split under every task id: per true × given task, the
    mean Jaccard overlap of the tokens kept under the given id with those kept under the true
    id, and the accuracy under the given id."""
    from taskdyn.jobs import load_dataset, load_trained_model

    model = load_trained_model(study="thalamus", hp=hp, data=data, weights=weights)
    dataset, _ = load_dataset(data)
    test, babi_tasks = dataset["test"], [int(n) for n in dataset["lexicon"]["babi_tasks"]]
    predictions, selected = swap_outputs(model, test, len(babi_tasks), batch_size)
    overlap = gate_overlap_matrix(selected, test["task"])
    accuracy = task_swap_matrix(predictions, test["answer"], test["task"])
    counts = np.bincount(test["task"], minlength=len(babi_tasks))
    write_table(table, pd.DataFrame([
        {"config": config, **run, "true_task": babi_tasks[i], "given_task": babi_tasks[j],
         "n_questions": int(counts[i]), "overlap": overlap[i, j], "accuracy": accuracy[i, j]}
        for i in range(len(babi_tasks)) for j in range(len(babi_tasks))]),
        provenance({"data": data, "weights": weights}, overlap=OVERLAP))


OVERLAP = ("mean over the true task's test questions of |K_true ∩ K_given| / |K_true ∪ K_given|, "
           "K_id the story tokens the gate keeps when given task id `id`")


def gate_overlap_table(*, overlaps: list[str], table: str) -> None:
    """The configuration's gate-overlap tables of every gated reader × seed, in one."""
    write_table(table, pd.concat([read_table(p) for p in overlaps], ignore_index=True),
                provenance({"overlaps": overlaps}, overlap=OVERLAP))


def salience_examples(*, evaluation: str, data: str, analysis: dict, table: str) -> None:
    """Per-token salience, gate choice and supporting flag of the first test questions per task."""
    labels = _test_labels(evaluation)  # test questions come first, in the dataset's test order
    story = read_h5(evaluation, ["inputs"])["inputs"][: len(labels["split"]), :, 0].astype(int)
    attrs = read_h5_attrs(data)
    words, answers = attrs["words"], np.array(attrs["answers"])
    question = read_h5(data, ["test/question"])["test/question"]
    rows = []
    for babi in np.unique(labels["babi_task"]):
        for i in np.flatnonzero(labels["babi_task"] == babi)[: analysis["n_examples"]]:
            n = labels["story_length"][i]
            common = {"example": int(i), "babi_task": int(babi),
                      "question": " ".join(words[w] for w in question[i] if w),
                      "answer": _answer(answers, labels["answer"][i]),
                      "prediction": _answer(answers, labels["prediction"][i])}
            rows += [{**common, "position": t, "word": words[story[i, t]],
                      "sentence": int(labels["sentence"][i, t]),
                      "supporting": bool(labels["supporting"][i, t]),
                      "selected": bool(labels["selected"][i, t]),
                      "salience": float(labels["salience"][i, t])} for t in range(n)]
    write_table(table, pd.DataFrame(rows), provenance(analysis, evaluation=evaluation))


def _answer(answers: np.ndarray, index: int) -> str:
    return str(answers[index]) if index >= 0 else "<unseen>"


def phase_tables(*, evaluation: str, analysis: dict, roles_table: str, pca_table: str) -> None:
    """Mean phase tag per token role, and a PCA of the phase tags coloured by role."""
    phase = read_h5(evaluation, ["phase"])["phase"]
    labels = read_h5(evaluation, ["labels/role", "labels/split"])
    test = held_out(labels["labels/split"])
    phase, role = phase[test], labels["labels/role"][test]
    means = phase_by_role(phase, role, len(ROLE_NAMES))
    counts = [int(np.sum(role == r)) for r in range(len(ROLE_NAMES))]
    prov = provenance(analysis, evaluation=evaluation)
    write_table(roles_table, pd.DataFrame(
        [{"role": ROLE_NAMES[r], "n_tokens": counts[r], "dim": d, "mean_phase": means[r, d]}
         for r in range(len(ROLE_NAMES)) for d in range(means.shape[1])]), prov)
    coords, roles, ratio = phase_pca(phase, role, n_points=analysis["n_points"],
                                     rng=np.random.default_rng(analysis["seed"]))
    write_table(pca_table, pd.DataFrame(
        {"pc1": coords[:, 0], "pc2": coords[:, 1], "role": [ROLE_NAMES[r] for r in roles]}),
        {**prov, "explained_variance_ratio": [float(r) for r in ratio]})


# -- figures ---------------------------------------------------------------------------------


def plot_accuracy(*, table: str, pdf: str, png: str) -> None:
    """Accuracy per bAbI task for every model, with the published reference rates."""
    save_figure(plots.accuracy_figure(read_table(table)), pdf, png)


def plot_task_swap(*, table: str, pdf: str, png: str) -> None:
    """Task × task accuracy with swapped task ids, per model (mean over seeds)."""
    save_figure(plots.task_swap_figure(read_table(table)), pdf, png)


def plot_gate_overlap(*, table: str, pdf: str, png: str) -> None:
    """Task × task overlap of the kept tokens under the true and the given id, per model."""
    save_figure(plots.task_swap_figure(read_table(table), value="overlap",
                                       label="kept-token overlap (Jaccard)"), pdf, png)


def plot_salience(*, table: str, pdf: str, png: str) -> None:
    """Per-token salience bars of example stories, supporting sentences marked."""
    save_figure(plots.salience_figure(read_table(table)), pdf, png)


def plot_gate_sweep(*, table: str, pdf: str, png: str) -> None:
    """Accuracy and sentence recall against k per gate type (mean over seeds, 95 % interval)."""
    save_figure(plots.gate_sweep_figure(read_table(table)), pdf, png)


def plot_gate_distance(*, table: str, pdf: str, png: str) -> None:
    """Accuracy against the supporting fact's distance per gate type (mean over seeds)."""
    save_figure(plots.gate_distance_figure(read_table(table)), pdf, png)


def plot_phases(*, roles_table: str, pca_table: str, pdf: str, png: str) -> None:
    """Phase tags by token role: heatmap of role means and PCA scatter."""
    save_figure(plots.phase_figure(read_table(roles_table), read_table(pca_table)), pdf, png)
