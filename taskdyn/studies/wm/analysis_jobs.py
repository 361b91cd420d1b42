"""wm analyses of trained models' states and of the CNN features, and the study-wide tables.

Per model (RNN states from its evaluation file): memory decoding (cross-time for each
remembered stimulus, cross-stimulus encoding generalisation), Procrustes reconstruction and
swap test, and orthogonalisation at the encoding step. Per scenario (the CNN features of the
stimuli its trials show, a memoryless baseline that is the same for every model and seed): the
same decoding and orthogonalisation. Each writes a long CSV; the collect step stacks them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from taskdyn.analysis.decoding import (
    chance_normalised,
    cross_time_accuracy,
    decoder_normals,
    generalisation_matrix,
    split_trials,
)
from taskdyn.analysis.orthogonalisation import (
    normalised_orthogonalisation,
    orthogonalisation_index,
)
from taskdyn.analysis.procrustes import SwapTest, swap_test
from taskdyn.io import read_h5, read_h5_attrs, read_table, write_table
from taskdyn.provenance import provenance
from taskdyn.studies.wm import PROPERTIES, SPLITS
from taskdyn.tasks.nback import feature_values, memory_labels

SWAP_CONDITIONS = ("direct", "reconstructed", "same_age", "same_stimulus", "unrotated")


def model_id(evaluation: str) -> dict:
    """study, task, model and seed of an evaluation file."""
    attrs = read_h5_attrs(evaluation)
    return {key: attrs[key] for key in ("study", "task", "model", "seed")}


def _rnn_states(evaluation: str, analysis: dict) -> dict[str, np.ndarray]:
    """Hidden states `[trial, time, unit]` and labels of the analysed split's trials."""
    arrays = read_h5(evaluation)
    keep = arrays["labels/split"] == SPLITS.index(analysis["split"])
    if keep.sum() < 10:
        raise ValueError(f"{evaluation}: only {keep.sum()} trials in split {analysis['split']!r}")
    out = {k.removeprefix("labels/"): v[keep] for k, v in arrays.items()
           if k.startswith("labels/")}
    out["hidden"] = arrays["hidden"][keep]
    return out


def _cnn_states(data: str, features: str, analysis: dict) -> dict[str, np.ndarray]:
    """Average-pooled raw CNN features `[trial, time, component]` of the stimuli each trial of
    the analysed split shows, with the labels `_rnn_states` gives.

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
    rows = _decoding_rows(_rnn_states(evaluation, analysis), analysis, space="rnn")
    _write(table, rows, model_id(evaluation), analysis)


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


def align_decoders(*, evaluation: str, analysis: dict, table: str) -> None:
    """Procrustes reconstruction and swap test of each property's decoders across steps."""
    states = _rnn_states(evaluation, analysis)
    train, test = split_trials(len(states["stimulus"]), analysis["test_fraction"],
                               analysis["seed"])
    rows = []
    for prop in analysis["properties"]:
        result = swap_test(states["hidden"], states[prop], train, test, analysis["C"])
        n_classes = len(np.unique(states[prop]))
        rows += _swap_rows(result, property=prop, n_classes=n_classes)
    _write(table, rows, model_id(evaluation), analysis)


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
    rows = _orthogonalisation_rows(_rnn_states(evaluation, analysis), analysis, space="rnn")
    _write(table, rows, model_id(evaluation), analysis)


def analyse_features(*, task: str, data: str, features: str, decoding: dict,
                     orthogonalisation: dict, decoding_table: str,
                     orthogonalisation_table: str) -> None:
    """Decoding and orthogonalisation on the CNN features of scenario `task`'s trials."""
    ident = _encoder_id(task, data)
    rows = _decoding_rows(_cnn_states(data, features, decoding), decoding, space="cnn")
    _write(decoding_table, rows, ident, decoding)
    states = _cnn_states(data, features, orthogonalisation)
    rows = _orthogonalisation_rows(states, orthogonalisation, space="cnn")
    _write(orthogonalisation_table, rows, ident, orthogonalisation)


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


def _encoder_id(task: str, data: str) -> dict:
    """The id columns of a CNN-baseline table: the scenario, and the encoder as the model."""
    attrs = read_h5_attrs(data)
    return {"study": attrs["study"], "task": task, "model": attrs["encoder"]["arch"],
            "seed": attrs["encoder"]["seed"]}


def _write(table: str, rows: list[dict], ident: dict, analysis: dict) -> None:
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
