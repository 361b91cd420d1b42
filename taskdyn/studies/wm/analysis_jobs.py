"""wm analyses of trained models' states and of the CNN features, and the study-wide tables.

Per model (RNN states from its evaluation file): memory decoding (cross-time for each
remembered stimulus, cross-stimulus encoding generalisation), cross-task decoding at the
encoding step, Procrustes reconstruction and swap test, and orthogonalisation at the encoding
step. Per scenario (the CNN features of the stimuli its trials show, a memoryless baseline that
is the same for every model and seed): the same decoding and orthogonalisation. Each writes a
long CSV; the collect step stacks them. Study-wide: the t-test of CNN against RNN
orthogonalisation. (The causal perturbation, which needs the trained model, is
`perturbation_jobs`.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from taskdyn.analysis.decoding import (
    chance_normalised,
    cross_group_accuracy,
    cross_time_accuracy,
    decoder_normals,
    generalisation_matrix,
    split_trials,
)
from taskdyn.analysis.orthogonalisation import (
    compare_orthogonalisation,
    normalised_orthogonalisation,
    orthogonalisation_index,
)
from taskdyn.analysis.procrustes import SwapTest, swap_test
from taskdyn.io import read_h5, read_h5_attrs, read_table, write_table
from taskdyn.provenance import provenance
from taskdyn.studies.wm import PROPERTIES, SPLITS
from taskdyn.tasks.nback import FEATURES, feature_values, memory_labels, task_name

SWAP_CONDITIONS = ("direct", "reconstructed", "same_age", "same_stimulus", "unrotated")


def model_id(evaluation: str) -> dict:
    """study, task, model and seed of an evaluation file."""
    attrs = read_h5_attrs(evaluation)
    return {key: attrs[key] for key in ("study", "task", "model", "seed")}


def rnn_states(evaluation: str, analysis: dict,
                extra: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Hidden states `[trial, time, unit]` and labels of the analysed split's trials, plus the
    evaluation arrays named in `extra` (e.g. `inputs`, `outputs`) for the same trials."""
    arrays = read_h5(evaluation)
    keep = arrays["labels/split"] == SPLITS.index(analysis["split"])
    if keep.sum() < 10:
        raise ValueError(f"{evaluation}: only {keep.sum()} trials in split {analysis['split']!r}")
    out = {k.removeprefix("labels/"): v[keep] for k, v in arrays.items()
           if k.startswith("labels/")}
    for name in ("hidden", *extra):
        out[name] = arrays[name][keep]
    return out


def _cnn_states(data: str, features: str, analysis: dict) -> dict[str, np.ndarray]:
    """Average-pooled raw CNN features `[trial, time, component]` of the stimuli each trial of
    the analysed split shows, with the labels `rnn_states` gives.

    With `cnn_components` > 0 the pooled features are first projected on their top principal
    components over the stimulus set (label-free), which keeps SVM fits fast and matches the
    width of the RNN states. Split `train` takes every training trial (the evaluation keeps
    only the first `n_train_trials`).
    """
    split = analysis["split"]
    arrays = read_h5(data, [f"{split}/stimulus"] + [f"stimuli/{k}" for k in PROPERTIES])
    stimulus = arrays[f"{split}/stimulus"]
    props = {k: arrays[f"stimuli/{k}"] for k in PROPERTIES}
    props["identity"] = feature_values(props, "identity")
    pooled = read_h5(features, ["features"])["features"].mean(axis=(2, 3))
    n_components = min(analysis["cnn_components"], *pooled.shape)
    if n_components > 0:
        pooled = PCA(n_components, random_state=0).fit_transform(pooled)
    return {"hidden": pooled[stimulus], **{k: v[stimulus] for k, v in props.items()},
            **memory_labels(props, stimulus)}


def decode_memory(*, evaluation: str, analysis: dict, table: str) -> None:
    """Cross-time (remembered stimulus) and cross-stimulus decoding of one model's RNN states."""
    rows = _decoding_rows(rnn_states(evaluation, analysis), analysis, space="rnn")
    write_wm_table(table, rows, model_id(evaluation), analysis)


def _decoding_rows(states: dict[str, np.ndarray], analysis: dict, space: str) -> list[dict]:
    hidden = states["hidden"]
    n_trials, n_steps = hidden.shape[:2]
    train, test = split_trials(n_trials, analysis["test_fraction"], analysis["seed"])
    rows = []
    for prop in analysis["properties"]:
        n_classes = len(np.unique(states[prop]))
        keys = {"space": space, "property": prop, "n_classes": n_classes}
        for i in range(n_steps):
            remembered = states[f"mem{i}_{prop}"][:, i]
            times = np.arange(i, n_steps)
            acc = cross_time_accuracy(hidden, remembered, train, test, times, analysis["C"])
            rows += _matrix_rows(acc, times, analysis="cross_time", stimulus=i, **keys)
        acc = generalisation_matrix(hidden, states[prop], train, test, C=analysis["C"])
        rows += _matrix_rows(acc, np.arange(n_steps), analysis="cross_stimulus", stimulus=-1,
                             **keys)
    return rows


def _matrix_rows(acc: np.ndarray, times: np.ndarray, **keys) -> list[dict]:
    return [{**keys, "train_time": int(a), "test_time": int(b), "accuracy": float(acc[i, j]),
             "normalised": float(chance_normalised(acc[i, j], keys["n_classes"]))}
            for i, a in enumerate(times) for j, b in enumerate(times)]


def decode_cross_task(*, evaluation: str, analysis: dict, table: str) -> None:
    """Cross-task decoding at one encoding step of one model's RNN states (Fig. 2a).

    For each decoded property F and pair of task groups (k, k'), a decoder D_{k,F} fitted on
    the training trials of group k is scored on the held-out trials of group k'. Groups are the
    compared feature (`grouping: feature`, N pooled: the 3 × 3 matrices of an MTMF model) or
    each N-back task (`grouping: task`). The diagonal is same-task held-out accuracy; a
    single-task scenario gives 1 × 1 matrices (task-relevant vs -irrelevant decoding only).
    """
    states = rnn_states(evaluation, analysis)
    step = analysis["step"]
    if not 0 <= step < states["hidden"].shape[1]:
        raise ValueError(f"step {step} is outside the trials' {states['hidden'].shape[1]} steps")
    rows = _cross_task_rows(states, analysis)
    write_wm_table(table, rows, model_id(evaluation), analysis)


def _cross_task_rows(states: dict[str, np.ndarray], analysis: dict) -> list[dict]:
    step, by_feature = analysis["step"], analysis["grouping"] == "feature"
    groups = states["feature"] if by_feature else states["task"]
    name = (lambda g: FEATURES[g]) if by_feature else task_name
    compared = {g: FEATURES[states["feature"][groups == g][0]] for g in np.unique(groups)}
    train, test = split_trials(len(groups), analysis["test_fraction"], analysis["seed"])
    X = states["hidden"][:, step]
    rows = []
    for prop in analysis["properties"]:
        y = states[prop][:, step]
        acc, names = cross_group_accuracy(X, y, groups, train, test, analysis["C"])
        for (a, b), value in np.ndenumerate(acc):
            fit_rows, test_rows = train[groups[train] == names[a]], test[groups[test] == names[b]]
            n_classes = len(np.unique(y[test_rows]))
            rows.append({"space": "rnn", "property": prop, "grouping": analysis["grouping"],
                         "step": step, "train_task": name(names[a]),
                         "test_task": name(names[b]), "relevant": compared[names[a]] == prop,
                         "accuracy": float(value), "chance": 1.0 / n_classes,
                         "normalised": float(chance_normalised(value, n_classes)),
                         "n_train": len(fit_rows), "n_test": len(test_rows)})
    return rows


def align_decoders(*, evaluation: str, analysis: dict, table: str) -> None:
    """Procrustes reconstruction and swap test of each property's decoders across steps."""
    states = rnn_states(evaluation, analysis)
    train, test = split_trials(len(states["stimulus"]), analysis["test_fraction"],
                               analysis["seed"])
    rows = []
    for prop in analysis["properties"]:
        result = swap_test(states["hidden"], states[prop], train, test, analysis["C"])
        n_classes = len(np.unique(states[prop]))
        rows += _swap_rows(result, property=prop, n_classes=n_classes)
    write_wm_table(table, rows, model_id(evaluation), analysis)


def _swap_rows(result: SwapTest, **keys) -> list[dict]:
    rows = []
    for (i, t), scale in np.ndenumerate(result.scale):
        if np.isnan(scale):
            continue
        base = {**keys, "stimulus": i, "source_time": t, "age": t - i}
        rows += [{**base, "metric": "accuracy", "condition": c,
                  "value": float(getattr(result, c)[i, t])} for c in SWAP_CONDITIONS
                 if not np.isnan(getattr(result, c)[i, t])]  # no swap partner at the ends
        rows += [{**base, "metric": "scale", "condition": "own", "value": float(scale)},
                 {**base, "metric": "disparity", "condition": "own",
                  "value": float(result.disparity[i, t])}]
    return rows


def orthogonalisation(*, evaluation: str, analysis: dict, table: str) -> None:
    """Orthogonalisation of each property's decoder normals in one model's encoding step."""
    rows = _orthogonalisation_rows(rnn_states(evaluation, analysis), analysis, space="rnn")
    write_wm_table(table, rows, model_id(evaluation), analysis)


def analyse_features(*, task: str, data: str, features: str, decoding: dict,
                     orthogonalisation: dict, decoding_table: str,
                     orthogonalisation_table: str) -> None:
    """Decoding and orthogonalisation on the CNN features of scenario `task`'s trials."""
    ident = _encoder_id(task, data)
    rows = _decoding_rows(_cnn_states(data, features, decoding), decoding, space="cnn")
    write_wm_table(decoding_table, rows, ident, decoding)
    states = _cnn_states(data, features, orthogonalisation)
    rows = _orthogonalisation_rows(states, orthogonalisation, space="cnn")
    write_wm_table(orthogonalisation_table, rows, ident, orthogonalisation)


def _orthogonalisation_rows(states: dict[str, np.ndarray], analysis: dict,
                            space: str) -> list[dict]:
    X = states["hidden"][:, 0]  # the encoding step of the first stimulus
    rows = []
    for prop in analysis["properties"]:
        normals, classes = decoder_normals(X, states[prop][:, 0], analysis["C"])
        rows.append({"space": space, "property": prop, "n_classes": len(classes),
                     "n_dims": X.shape[1], "index": orthogonalisation_index(normals),
                     "normalised": normalised_orthogonalisation(normals)})
    return rows


def compare_orthogonalisation_spaces(*, orthogonalisation: str, analysis: dict,
                                    table: str) -> None:
    """Two-sample t-test of the CNN (perceptual) against the RNN (encoding) orthogonalisation
    index, per scenario × RNN model (Fig. 3); see `orthogonalisation_test`."""
    frame = orthogonalisation_test(read_table(orthogonalisation), analysis)
    write_table(table, frame, provenance(analysis, orthogonalisation=orthogonalisation))


def orthogonalisation_test(table: pd.DataFrame, analysis: dict) -> pd.DataFrame:
    """One row per scenario × RNN model: `scipy.stats.ttest_ind` of the CNN against the RNN
    index (`analysis["index"]`: `normalised` or raw `index`).

    The sample unit is the decoded property: the CNN baseline gives one index per property
    (one frozen encoder, no seeds), and each property's RNN sample is its mean over the
    model's seeds, so both groups hold one value per property and seeds are not counted as
    independent samples of a property. `statistic` > 0 means the CNN space is the more
    orthogonalised.
    """
    column, rows = analysis["index"], []
    for scenario, frame in table.groupby("task", sort=True):
        cnn = frame[frame["space"] == "cnn"].groupby("property")[column].mean()
        rnn_rows = frame[frame["space"] == "rnn"]
        for model, per_model in rnn_rows.groupby("model", sort=True):
            rnn = per_model.groupby("property")[column].mean()
            result = compare_orthogonalisation(cnn.to_numpy(), rnn.to_numpy(),
                                               analysis["equal_var"])
            rows.append({"task": scenario, "model": model, "index": column,
                         "unit": "property (RNN: mean over seeds)",
                         "test": "student" if analysis["equal_var"] else "welch",
                         "properties": ",".join(sorted(set(cnn.index) | set(rnn.index))),
                         "n_cnn": result.n_perceptual, "n_rnn": result.n_encoding,
                         "n_seeds": per_model["seed"].nunique(),
                         "mean_cnn": result.mean_perceptual, "mean_rnn": result.mean_encoding,
                         "t": result.statistic, "dof": result.dof, "p": result.pvalue,
                         "more_orthogonalised": {"perceptual": "cnn", "encoding": "rnn"}.get(
                             result.more_orthogonalised, "neither"),
                         "significant": bool(result.pvalue < analysis["alpha"])})
    return pd.DataFrame(rows)


def _encoder_id(task: str, data: str) -> dict:
    """The id columns of a CNN-baseline table: the scenario, and the encoder as the model."""
    attrs = read_h5_attrs(data)
    return {"study": attrs["study"], "task": task, "model": attrs["encoder"]["arch"],
            "seed": attrs["encoder"]["seed"]}


def write_wm_table(table: str, rows: list[dict], ident: dict, analysis: dict) -> None:
    """Rows of one wm analysis as a table, with the model's identity and provenance."""
    write_table(table, pd.DataFrame([{**ident, **row} for row in rows]),
                provenance(analysis, **ident))


def make_tables(*, evaluations: list[str], parts: dict[str, list[str]],
                tables: dict[str, str]) -> None:
    """The study-wide tables: `accuracy` from the evaluations, and each analysis's per-model
    (and per-scenario CNN) tables in `parts` stacked into `tables[name]`."""
    write_table(tables["accuracy"], accuracy_table(evaluations),
                provenance({"evaluations": evaluations}))
    for name, paths in parts.items():
        frame = pd.concat([read_table(p) for p in paths], ignore_index=True)
        write_table(tables[name], frame, provenance({"parts": paths}))


def accuracy_table(evaluations: list[str]) -> pd.DataFrame:
    """Response-step accuracy per scenario × model × seed × split × N-back task."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        for key, value in read_h5_attrs(path)["metrics"].items():
            parts = key.split("/")
            if parts[0] != "accuracy":
                continue
            rows.append({**ident, "split": parts[1],
                         "nback_task": parts[2] if len(parts) > 2 else "all",
                         "accuracy": float(value)})
    return pd.DataFrame(rows)
