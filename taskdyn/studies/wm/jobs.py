"""Pipeline stages of the wm study: analyses of trained models' states and of the CNN features;
tables and figures. (The stimuli and their cached features: `features`; the causal
perturbation, which needs the trained model: `perturb`.)

Analyses, per model (RNN states from its evaluation file): memory decoding on the trials the
config selects (the paper's: the identity tasks) — cross-time for each remembered stimulus,
its split into executive and non-executive steps, cross-stimulus encoding generalisation
(`taskdyn.studies.wm.analysis.memory`); cross-task decoding at the encoding step; Procrustes
reconstruction and swap test, marking the transitions whose decoders beat chance; and
orthogonalisation at the encoding step, per property and per pair of decoder normals. Per
scenario and CNN encoder (the CNN features of the stimuli its trials show, a memoryless
baseline that is the same for every model and seed): the same memory decoding and
orthogonalisation. Every decoder's training and test set sizes are checked against the number
of classes (`taskdyn.studies.wm.analysis.sampling`). Each writes a long CSV; the collect step
stacks them. Study-wide (`taskdyn.studies.wm.analysis.summaries`): the t-test of CNN against
RNN orthogonalisation and cross-task subspace sharing per architecture and seed.
"""

from __future__ import annotations

import functools
import logging

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from taskdyn.analysis.decoding import (
    chance_normalised,
    cross_group_accuracy,
    decoder_normals,
    split_trials,
)
from taskdyn.analysis.procrustes import SwapTest, swap_test
from taskdyn.io import read_h5, read_h5_attrs, read_table, write_table
from taskdyn.plotting import save_figure
from taskdyn.provenance import provenance
from taskdyn.studies.wm import PROPERTIES, SPLITS
from taskdyn.studies.wm.analysis.memory import memory_rows, select_trials
from taskdyn.studies.wm.analysis.orthogonalisation import (
    normalised_orthogonalisation,
    orthogonalisation_index,
    pair_orthogonality,
    random_orthogonalisation,
)
from taskdyn.studies.wm.analysis.sampling import SampleCheck, above_chance
from taskdyn.studies.wm.analysis.summaries import (
    criterion_status,
    orthogonalisation_test,
    subspace_sharing_table,
)
from taskdyn.studies.wm.plotting import (
    accuracy_bars,
    add_caption,
    cross_stimulus_curves,
    cross_task_matrices,
    cross_time_matrices,
    encoder_caption,
    encoder_label,
    executive_bars,
    orthogonalisation_bars,
    perturbation_curves,
    procrustes_bars,
    stimuli_grid,
)
from taskdyn.tasks.nback import (
    FEATURES,
    feature_values,
    memory_labels,
    task_name,
)

log = logging.getLogger(__name__)

SWAP_CONDITIONS = ("direct", "reconstructed", "same_age", "same_stimulus", "unrotated", "source")


def model_id(evaluation: str) -> dict:
    """study, task, model and seed of an evaluation file, the model's recurrent type
    (`architecture`) and the encoder whose features it was trained on (`encoder_label`)."""
    attrs = read_h5_attrs(evaluation)
    return {**{key: attrs[key] for key in ("study", "task", "model", "seed")},
            "architecture": attrs["model_type"], "encoder": attrs["provenance"]["encoder"]}


def rnn_states(evaluation: str, analysis: dict,
               extra: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """Hidden states `[trial, time, unit]` and labels of the analysed split's trials, plus the
    evaluation arrays named in `extra` (e.g. `inputs`, `outputs`) for the same trials."""
    arrays = read_h5(evaluation)
    keep = arrays["labels/split"] == SPLITS[analysis["split"]]
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
    trial_keys = [f"{split}/{k}" for k in ("stimulus", "task", "n_back", "feature")]
    arrays = read_h5(data, trial_keys + [f"stimuli/{k}" for k in PROPERTIES])
    stimulus = arrays[f"{split}/stimulus"]
    props = {k: arrays[f"stimuli/{k}"] for k in PROPERTIES}
    props["identity"] = feature_values(props, "identity")
    pooled = read_h5(features, ["features"])["features"].mean(axis=(2, 3))
    n_components = min(analysis["cnn_components"], *pooled.shape)
    if n_components > 0:
        pooled = PCA(n_components, random_state=0).fit_transform(pooled)
    return {"hidden": pooled[stimulus], **{k: v[stimulus] for k, v in props.items()},
            **{k: arrays[f"{split}/{k}"] for k in ("task", "n_back", "feature")},
            **memory_labels(props, stimulus)}


def sample_check(analysis: dict, name: str, task: str, space: str = "rnn") -> SampleCheck:
    """The decoders' sample-size check of analysis `name` on scenario `task`, its error naming
    the config keys that size the analysed trials."""
    split = analysis["split"]
    trials = {"val": f"studies.wm.tasks.{task}.n_val",
              "novel_angle": f"studies.wm.tasks.{task}.n_test",
              "novel_identity": f"studies.wm.tasks.{task}.n_test",
              "train": ("studies.wm.evaluate.n_train_trials" if space == "rnn"
                        else f"studies.wm.tasks.{task}.n_train")}[split]
    hint = (f"Raise {trials} (the {split} trials analysed), or lower "
            f"studies.wm.analyses.{name}.min_samples_per_class.")
    return SampleCheck(analysis["min_samples_per_class"], analysis["too_few_samples"], hint)


def decode_memory(*, evaluation: str, analysis: dict, table: str, executive: str) -> None:
    """Cross-time, cross-stimulus (`table`) and executive vs non-executive (`executive`)
    decoding of one model's RNN states (`taskdyn.studies.wm.analysis.memory`)."""
    ident = model_id(evaluation)
    check = sample_check(analysis, "decoding", ident["task"])
    decoding, steps = memory_rows(rnn_states(evaluation, analysis), analysis, "rnn", check)
    write_wm_table(table, decoding, ident, analysis)
    write_wm_table(executive, steps, ident, analysis)


def decode_cross_task(*, evaluation: str, analysis: dict, table: str) -> None:
    """Cross-task decoding at one encoding step of one model's RNN states (Fig. 2a).

    For each decoded property F and pair of task groups (k, k'), a decoder D_{k,F} fitted on
    the training trials of group k is scored on the held-out trials of group k'. Groups are the
    compared feature (`grouping: feature`, N pooled: the 3 × 3 matrices of an MTMF model) or
    each N-back task (`grouping: task`). The diagonal is same-task held-out accuracy; a
    single-task scenario gives 1 × 1 matrices (task-relevant vs -irrelevant decoding only).
    """
    ident = model_id(evaluation)
    states = rnn_states(evaluation, analysis)
    step = analysis["step"]
    if not 0 <= step < states["hidden"].shape[1]:
        raise ValueError(f"step {step} is outside the trials' {states['hidden'].shape[1]} steps")
    rows = _cross_task_rows(states, analysis, sample_check(analysis, "cross_task",
                                                           ident["task"]))
    write_wm_table(table, rows, ident, analysis)


def _cross_task_rows(states: dict[str, np.ndarray], analysis: dict,
                     check: SampleCheck) -> list[dict]:
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
            note = check(f"{prop} decoder fitted on {name(names[a])} trials, tested on "
                         f"{name(names[b])} trials", len(np.unique(y[fit_rows])),
                         len(fit_rows), len(test_rows))
            rows.append({"space": "rnn", "property": prop, "grouping": analysis["grouping"],
                         "step": step, "train_task": name(names[a]),
                         "test_task": name(names[b]), "relevant": compared[names[a]] == prop,
                         "accuracy": float(value), "chance": 1.0 / n_classes,
                         "normalised": float(chance_normalised(value, n_classes)),
                         "n_train": len(fit_rows), "n_test": len(test_rows),
                         "sample_check": note})
    return rows


def align_decoders(*, evaluation: str, analysis: dict, table: str) -> None:
    """Procrustes reconstruction and swap test of each property's decoders across steps, on
    the trials `analysis["trials"]` selects; transitions whose decoders at both steps beat
    chance (`analysis["above_chance"]`) are marked and alone serve as swap partners."""
    ident = model_id(evaluation)
    states = rnn_states(evaluation, analysis)
    rows = _procrustes_rows(states, analysis,
                            sample_check(analysis, "procrustes", ident["task"]))
    write_wm_table(table, rows, ident, analysis)


def _procrustes_rows(states: dict[str, np.ndarray], analysis: dict,
                     check: SampleCheck) -> list[dict]:
    chosen, trials = select_trials(states["feature"], analysis["trials"])
    hidden = states["hidden"][chosen]
    train, test = split_trials(len(chosen), analysis["test_fraction"], analysis["seed"])
    usable = functools.partial(above_chance, **analysis["above_chance"])
    rows = []
    for prop in analysis["properties"]:
        labels = states[prop][chosen]
        result = swap_test(hidden, labels, train, test, analysis["C"], usable)
        n_classes = len(np.unique(labels))
        note = check(f"{prop} decoders of the swap test ({trials})",
                     min(len(np.unique(labels[train, i])) for i in range(labels.shape[1])),
                     len(train), len(test))
        rows += _swap_rows(result, trials=trials, property=prop, n_classes=n_classes,
                           n_train=len(train), n_test=len(test), sample_check=note)
    return rows


def _swap_rows(result: SwapTest, **keys) -> list[dict]:
    rows = []
    for (i, t), scale in np.ndenumerate(result.scale):
        if np.isnan(scale):
            continue
        base = {**keys, "stimulus": i, "source_time": t, "age": t - i,
                "above_chance": bool(result.above_chance[i, t])}
        for condition in SWAP_CONDITIONS:
            value = getattr(result, condition)[i, t]
            if np.isnan(value):
                continue  # no swap partner
            partners = getattr(result, f"n_{condition}", None)
            rows.append({**base, "metric": "accuracy", "condition": condition,
                         "value": float(value),
                         "normalised": float(chance_normalised(value, keys["n_classes"])),
                         "n_partners": np.nan if partners is None else int(partners[i, t])})
        rows += [{**base, "metric": "scale", "condition": "own", "value": float(scale)},
                 {**base, "metric": "disparity", "condition": "own",
                  "value": float(result.disparity[i, t])}]
    return rows


def orthogonalisation(*, evaluation: str, analysis: dict, table: str) -> None:
    """Orthogonalisation of each property's decoder normals in one model's encoding step."""
    ident = model_id(evaluation)
    check = sample_check(analysis, "orthogonalisation", ident["task"])
    rows = _orthogonalisation_rows(rnn_states(evaluation, analysis), analysis, "rnn", check)
    write_wm_table(table, rows, ident, analysis)


def analyse_features(*, task: str, data: str, features: str, decoding: dict,
                     orthogonalisation: dict, decoding_table: str, executive_table: str,
                     orthogonalisation_table: str) -> None:
    """Decoding (cross-time, cross-stimulus, executive) and orthogonalisation on the CNN
    features of scenario `task`'s trials."""
    ident = _encoder_id(task, features)
    check = sample_check(decoding, "decoding", task, space="cnn")
    rows, steps = memory_rows(_cnn_states(data, features, decoding), decoding, "cnn", check)
    write_wm_table(decoding_table, rows, ident, decoding)
    write_wm_table(executive_table, steps, ident, decoding)
    states = _cnn_states(data, features, orthogonalisation)
    check = sample_check(orthogonalisation, "orthogonalisation", task, space="cnn")
    rows = _orthogonalisation_rows(states, orthogonalisation, "cnn", check)
    write_wm_table(orthogonalisation_table, rows, ident, orthogonalisation)


def _orthogonalisation_rows(states: dict[str, np.ndarray], analysis: dict, space: str,
                            check: SampleCheck) -> list[dict]:
    """Per property: its index (`sample` property) and each pair of its classes' normals
    (`sample` pair: `index` = 1 − |cos|), both also divided by their random-direction value."""
    X = states["hidden"][:, 0]  # the encoding step of the first stimulus
    random = random_orthogonalisation(X.shape[1])
    rows = []
    for prop in analysis["properties"]:
        y = states[prop][:, 0]
        normals, classes = decoder_normals(X, y, analysis["C"])
        keys = {"space": space, "property": prop, "n_classes": len(classes),
                "n_dims": X.shape[1], "n_fit": len(y),
                "sample_check": check(f"{space} {prop} decoder normals at step 0",
                                      len(classes), len(y))}
        rows.append({**keys, "sample": "property", "pair": "",
                     "index": orthogonalisation_index(normals),
                     "normalised": normalised_orthogonalisation(normals)})
        values, pairs = pair_orthogonality(normals)
        rows += [{**keys, "sample": "pair", "pair": f"{classes[a]}-{classes[b]}",
                  "index": float(v), "normalised": float(v / random)}
                 for v, (a, b) in zip(values, pairs)]
    return rows


def compare_orthogonalisation_spaces(*, orthogonalisation: str, accuracy: str, analysis: dict,
                                    table: str) -> None:
    """Two-sample t-test of the CNN (perceptual) against the RNN (encoding) orthogonalisation
    index, per scenario × RNN model (Fig. 3), over the networks `analysis["networks"]` names
    (`accuracy`: which met the paper's criterion); see `orthogonalisation_test`."""
    frame = orthogonalisation_test(read_table(orthogonalisation), analysis,
                                   criterion_status(read_table(accuracy)))
    write_table(table, frame, provenance(analysis, orthogonalisation=orthogonalisation,
                                         accuracy=accuracy))


def _encoder_id(task: str, features: str) -> dict:
    """The id columns of a CNN-baseline table: the scenario, and the encoder of `features` as
    the model."""
    encoder = read_h5_attrs(features)["encoder"]
    label = encoder_label(encoder)
    return {"study": "wm", "task": task, "model": label, "seed": encoder["seed"],
            "architecture": "cnn", "encoder": label}


def write_wm_table(table: str, rows: list[dict], ident: dict, analysis: dict) -> None:
    """Rows of one wm analysis as a table, with the model's identity and provenance."""
    write_table(table, pd.DataFrame([{**ident, **row} for row in rows]),
                provenance(analysis, **ident))


# derived table → (the stacked table it is computed from, how)
DERIVED_TABLES = {"subspace_sharing": ("cross_task", subspace_sharing_table)}


def make_tables(*, evaluations: list[str], parts: dict[str, list[str]],
                tables: dict[str, str]) -> None:
    """The study-wide tables: `accuracy` from the evaluations, each analysis's per-model (and
    per-scenario CNN) tables in `parts` stacked into `tables[name]`, and the `DERIVED_TABLES`
    that `tables` names."""
    write_table(tables["accuracy"], accuracy_table(evaluations),
                provenance({"evaluations": evaluations}))
    stacked = {}
    for name, paths in parts.items():
        stacked[name] = pd.concat([read_table(p) for p in paths], ignore_index=True)
        write_table(tables[name], stacked[name], provenance({"parts": paths}))
    for name, (source, derive) in DERIVED_TABLES.items():
        if name in tables:
            write_table(tables[name], derive(stacked[source]),
                        provenance({"parts": parts[source]}, derived_from=source))


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


FROM_TABLES = {"accuracy": (("accuracy",), accuracy_bars),
               "cross_time": (("decoding",), cross_time_matrices),
               "executive": (("executive",), executive_bars),
               "cross_stimulus": (("decoding",), cross_stimulus_curves),
               "procrustes": (("procrustes",), procrustes_bars),
               "orthogonalisation": (("orthogonalisation", "orthogonalisation_test"),
                                     orthogonalisation_bars),
               "cross_task": (("cross_task",), cross_task_matrices),
               "perturbation": (("perturbation",), perturbation_curves)}
FIGURE_NAMES = ("stimuli", *FROM_TABLES)
TABLE_NAMES = tuple(dict.fromkeys(name for names, _ in FROM_TABLES.values() for name in names))


def make_figures(*, images: str, features: str, tables: dict[str, str], pdfs: dict[str, str],
                 pngs: dict[str, str]) -> None:
    """Every wm figure (FIGURE_NAMES); `tables` is keyed by table name (TABLE_NAMES), `pdfs`
    and `pngs` by figure name. The figures drawn from tables name the encoders with their
    weights' source: the CNN rows' model names are their encoders (`encoder_label`), and a
    caption names the encoder of `features`, whose features the RNNs were trained on."""
    arrays = read_h5(images)
    fig = stimuli_grid(arrays["images"], {k: arrays[k] for k in PROPERTIES},
                       read_h5_attrs(images)["category_names"])
    save_figure(fig, pdfs["stimuli"], pngs["stimuli"])
    caption = encoder_caption(read_h5_attrs(features)["encoder"])
    for name, (names, draw) in FROM_TABLES.items():
        frames = [read_table(tables[table]) for table in names]
        save_figure(add_caption(draw(*frames), caption), pdfs[name], pngs[name])


