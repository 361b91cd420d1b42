"""Pipeline stages after evaluation: per-model analyses, cross-model comparisons, tables.

Each function reads the common evaluation layout (and, for dynamics, the trained model), calls
the numpy-in/numpy-out analysis modules, and writes HDF5 or CSV with provenance.
"""

from __future__ import annotations

import fnmatch
from typing import Any

import numpy as np
import pandas as pd

from taskdyn.analysis.spectra import eigenvalues, spectral_radius
from taskdyn.io import open_h5, read_h5, read_h5_attrs, read_json, write_h5, write_table
from taskdyn.jobs import load_trained_model
from taskdyn.provenance import provenance
from taskdyn.studies.splits import first_held_out, held_out, training

ID_KEYS = ("study", "task", "model", "seed")
NETWORK_KEYS = ["task", "model", "seed"]  # one trained network in topology tables
# The pairwise similarity measures and their names in tables and figures.
SIMILARITY_MEASURES = {"dsa": "DSA distance", "procrustes": "Procrustes angle", "cka": "linear CKA"}


def model_id(path: str) -> dict:
    """study, task, model and seed of an evaluation file."""
    attrs = read_h5_attrs(path)
    return {key: attrs[key] for key in ID_KEYS}


def compute_pca(*, evaluation: str, analysis: dict, out: str) -> None:
    """Scree of one model's hidden states."""
    from taskdyn.analysis.pca import (
        explained_variance,  # scikit-learn loads here, for this job
    )

    hidden = read_h5(evaluation, ["hidden"])["hidden"]
    ratio = explained_variance(hidden, analysis.get("max_components", 10))
    write_h5(out, {"explained_variance_ratio": ratio}, dims={"explained_variance_ratio": "pc"},
             attrs={**model_id(evaluation), "provenance": provenance(analysis)})


def find_model_fixed_points(*, study: str, hp: dict, analysis: dict, data: str, weights: str,
                            evaluation: str, out: str, radii: str | None = None) -> None:
    """Fixed points of a trained model's one-step map, started on its trajectories.

    `analysis["inputs"]`: `zero` holds the input at zero; `per_phase` runs one search per
    condition the study's checks module gives for this task (`phase_conditions`: CtDB's
    MultiTask (subtask, phase), the input held at that phase's constant input, `n_inits` starts
    drawn from that phase's states), and zero input where it gives none. Every point carries
    its `condition` (index into the `conditions` attribute: name, subtask, phase, starts);
    `candidate_qstar` keeps where every start ended, before the `q_thresh` cut and the
    de-duplication.
    `radii`: a CSV of each point's Jacobian spectral radius beside the recurrent weights'.
    """
    # torch loads here, for this job only
    from taskdyn.analysis.fixed_points import find_fixed_points, sample_states

    model = load_trained_model(study=study, hp=hp, data=data, weights=weights).double()
    arrays = read_h5(evaluation)
    rng = np.random.default_rng(analysis["seed"])
    conditions = None
    if analysis.get("inputs", "zero") == "per_phase":
        conditions = _phase_conditions(study, hp["task"], data, arrays)
    mode = "per_phase" if conditions is not None else "zero"
    if conditions is None:
        conditions = [{"subtask": "", "phase": "", "mask": None,
                       "input": np.zeros(arrays["inputs"].shape[-1])}]
    found, described = [], []
    for c in conditions:
        hidden = arrays["hidden"] if c["mask"] is None else arrays["hidden"][c["mask"]]
        starts = sample_states(hidden, analysis["n_inits"], analysis["noise_scale"], rng)
        inputs = np.broadcast_to(c["input"], (len(starts), len(c["input"]))).copy()
        found.append(find_fixed_points(
            model.step, starts, inputs, lr=analysis["lr"], max_iters=analysis["max_iters"],
            tol_q=analysis["tol_q"], q_thresh=analysis["q_thresh"],
            newton_steps=analysis["newton_steps"], tol_unique=analysis["tol_unique"]))
        described.append({"name": f"{c['subtask']}/{c['phase']}" if c["subtask"] else "zero",
                          "subtask": c["subtask"], "phase": c["phase"],
                          "n_candidates": found[-1].n_candidates,
                          "n_stable": found[-1].n_stable})
    stacked = {key: np.concatenate([getattr(f, key) for f in found])
               for key in ("xstar", "inputs", "qstar", "jacobians", "eigvals", "is_stable")}
    condition = np.concatenate([np.full(len(f.qstar), i, dtype=np.int32)
                                for i, f in enumerate(found)])
    candidate_qstar = np.concatenate([f.candidate_qstar for f in found])
    write_h5(out, {**stacked, "condition": condition, "candidate_qstar": candidate_qstar,
                   **_readout(model, stacked["xstar"])},
             dims={"xstar": "point,state", "inputs": "point,input", "qstar": "point",
                   "jacobians": "point,state,state", "eigvals": "point,state",
                   "is_stable": "point", "condition": "point", "candidate_qstar": "candidate",
                   "readout": "point,output"},
             attrs={**model_id(evaluation), "n_stable": int(stacked["is_stable"].sum()),
                    "n_iters": max(f.n_iters for f in found),
                    "n_candidates": analysis["n_inits"], "q_thresh": analysis["q_thresh"],
                    "inputs_mode": mode,
                    "conditions": described,
                    "provenance": provenance({"hp": hp, "analysis": analysis})})
    if radii:
        write_table(radii, fixed_point_radii(out, evaluation),
                    provenance({"analysis": analysis}))


def _phase_conditions(study: str, task: dict, data: str, arrays: dict) -> list[dict] | None:
    """The study's fixed-point conditions of `task` (its checks module's `phase_conditions`),
    None where the study or the task has none."""
    from taskdyn.catalogue import _checks
    from taskdyn.jobs import load_dataset

    hook = getattr(_checks(study), "phase_conditions", None)
    if hook is None:
        return None
    labels = {k.removeprefix("labels/"): v for k, v in arrays.items() if k.startswith("labels/")}
    return hook(task, load_dataset(data)[0], labels)


def fixed_point_conditions(path: str) -> list[dict]:
    """The conditions of a fixed_points.h5 (files without them: one zero-input condition)."""
    return read_h5_attrs(path).get("conditions") or [{"name": "zero", "subtask": "",
                                                      "phase": ""}]


def fixed_point_radii(fixed_points: str, evaluation: str) -> pd.DataFrame:
    """One row per fixed point: its condition, stability, q* and the spectral radius (max |λ|)
    of its Jacobian, beside that of the model's principal recurrent weight matrix, named in
    the column (`weight_spectral_radius_W_hn`: for a GRU the candidate-state block W_hn only,
    not the gated map; NaN columns for models without recurrent weights)."""
    fp = read_h5(fixed_points, ["eigvals", "is_stable", "qstar", "condition"])
    conditions = fixed_point_conditions(fixed_points)
    index = fp.get("condition", np.zeros(len(fp["qstar"]), dtype=int))
    arrays = read_h5(evaluation)
    names = [k.removeprefix("weights/") for k in arrays if k.startswith("weights/")]
    weight_radius = {}
    if names:
        principal = _principal_weight(evaluation, names)
        weight_radius[f"weight_spectral_radius_{principal}"] = spectral_radius(
            arrays[f"weights/{principal}"])
    else:
        weight_radius["weight_spectral_radius"] = float("nan")
    ident = model_id(evaluation)
    return pd.DataFrame([
        {**ident, "point": i, "condition": conditions[c]["name"],
         "subtask": conditions[c]["subtask"], "phase": conditions[c]["phase"],
         "stable": bool(fp["is_stable"][i]), "qstar": float(fp["qstar"][i]),
         "jacobian_spectral_radius": float(np.abs(fp["eigvals"][i]).max()), **weight_radius}
        for i, c in enumerate(index)],
        columns=[*ID_KEYS, "point", "condition", "subtask", "phase", "stable", "qstar",
                 "jacobian_spectral_radius", *weight_radius])


def _readout(model, xstar: np.ndarray) -> dict[str, np.ndarray]:
    """{"readout": (point, output)}: what the model reads out at each fixed point (for models
    with a `readout` of the states' `hidden` part), else nothing."""
    if not hasattr(model, "readout"):
        return {}
    import torch

    with torch.no_grad():
        states = torch.as_tensor(xstar, dtype=torch.float64)
        return {"readout": model.readout(model.hidden(states)).numpy()}


def compute_spectra(*, evaluation: str, fixed_points: str | None, analysis: dict, out: str) -> None:
    """Eigenvalues of the principal recurrent weight matrix and of the fixed-point Jacobians."""
    arrays = read_h5(evaluation)
    weight_names = [k.removeprefix("weights/") for k in arrays if k.startswith("weights/")]
    attrs = {**model_id(evaluation), "provenance": provenance(analysis)}
    out_arrays, dims = {}, {}
    if weight_names:
        principal = _principal_weight(evaluation, weight_names)
        matrix = arrays[f"weights/{principal}"]
        out_arrays["weight_eigvals"] = eigenvalues(matrix)
        dims["weight_eigvals"] = "eigenvalue"
        attrs.update(weight=principal, spectral_radius=spectral_radius(matrix))
    if fixed_points:
        fp = read_h5(fixed_points, ["eigvals", "is_stable"])
        out_arrays["jacobian_eigvals"] = fp["eigvals"]
        out_arrays["is_stable"] = fp["is_stable"]
        dims.update(jacobian_eigvals="point,eigenvalue", is_stable="point")
    write_h5(out, out_arrays, dims=dims, attrs=attrs)


def _principal_weight(evaluation: str, names: list[str]) -> str:
    """The recurrent matrix listed first by the model (h5py lists names alphabetically)."""
    order = read_h5_attrs(evaluation).get("weight_order")
    return order[0] if order else sorted(names)[0]


def compare_state_r2(*, evaluations: list[str], analysis: dict, table: str) -> None:
    """Affine state R² between every ordered pair of models: fit on training, score on held-out trials."""
    # scikit-learn loads here, for this job only
    from taskdyn.analysis.state_r2 import pairwise_state_r2, project_states

    projected, ids = {}, {}
    for path in evaluations:
        arrays = read_h5(path, ["hidden", "labels/split"])
        test, train = held_out(arrays["labels/split"]), training(arrays["labels/split"])
        if not train.any() or not test.any():
            raise ValueError(f"{path}: state R² needs both training and held-out trials "
                             "(set evaluate.n_train_trials > 0)")
        key = _run_name(model_id(path))
        ids[key] = model_id(path)
        projected[key] = project_states(arrays["hidden"][train], arrays["hidden"][test],
                                        analysis["n_components"])
    rows = []
    for (source, target), (weighted, per_pc) in pairwise_state_r2(projected).items():
        base = {"source": source, "target": target,
                "source_model": ids[source]["model"], "target_model": ids[target]["model"]}
        rows.append({**base, "pc": "all", "r2": weighted})
        rows += [{**base, "pc": str(i + 1), "r2": float(v)} for i, v in enumerate(per_pc)]
    # the header records which latents were compared: k PCs per model, or all of them
    write_table(table, pd.DataFrame(rows),
                provenance(analysis, n_components=analysis["n_components"]))


def _run_name(ident: dict) -> str:
    return f"{ident['model']}/seed{ident['seed']}"


def make_metrics_table(*, evaluations: list[str], metas: list[str], fixed_points: list[str],
                       spectra: list[str], table: str) -> None:
    """Long table (study, task, model, seed, metric, value) of every model's scores."""
    rows = []
    for i, path in enumerate(evaluations):
        ident = model_id(path)
        metrics = dict(read_h5_attrs(path)["metrics"])
        meta = read_json(metas[i])
        metrics.update(n_parameters=meta["n_parameters"], epochs=meta["epochs"])
        if fixed_points:
            fp_attrs = read_h5_attrs(fixed_points[i])
            metrics.update(n_fixed_points=len(read_h5(fixed_points[i], ["qstar"])["qstar"]),
                           n_stable_fixed_points=fp_attrs["n_stable"])
        if spectra:
            radius = read_h5_attrs(spectra[i]).get("spectral_radius")
            if radius is not None:
                metrics["spectral_radius"] = radius
        rows += [{**ident, "metric": k, "value": float(v)} for k, v in sorted(metrics.items())]
    seeds = sorted({int(r["seed"]) for r in rows})
    write_table(table, pd.DataFrame(rows), provenance({"evaluations": evaluations}, seeds=seeds))


def held_out_states(evaluation: str, n_trials: int) -> np.ndarray:
    """Hidden states `[trial, time, unit]` of the first `n_trials` held-out trials."""
    arrays = read_h5(evaluation, ["hidden", "labels/split"])
    return arrays["hidden"][first_held_out(arrays["labels/split"], n_trials)]


def _models(evaluations: list[str]) -> dict[str, list]:
    """Run names, model names, seeds and families (model types) of the evaluations, in order."""
    ids = [model_id(path) for path in evaluations]
    return {"run": [f"{i['model']}/seed{i['seed']}" for i in ids],
            "model": [i["model"] for i in ids], "seed": [int(i["seed"]) for i in ids],
            "family": [read_h5_attrs(path)["model_type"] for path in evaluations],
            "task": ids[0]["task"]}


def compute_dsa(*, evaluations: list[str], analysis: dict, out: str) -> None:
    """DSA distances between every pair of a task's models, with their MDS map."""
    # torch and scikit-learn load here, for this job only
    from taskdyn.analysis.dsa import dsa_distances
    from taskdyn.analysis.similarity import mds_embedding

    systems = [held_out_states(path, analysis["n_trials"]) for path in evaluations]
    distances = dsa_distances(
        systems, n_components=analysis["n_components"], n_delays=analysis["n_delays"],
        delay_interval=analysis["delay_interval"],
        rank=analysis["rank"], score_method=analysis["score_method"], iters=analysis["iters"],
        lr=analysis["lr"], seed=analysis["seed"])
    write_h5(out, {"dsa": distances, "embedding/dsa": mds_embedding(distances)},
             dims={"dsa": "model,model", "embedding/dsa": "model,component"},
             attrs={**_models(evaluations), "provenance": provenance(analysis)})


def compute_shape_similarity(*, evaluations: list[str], analysis: dict, out: str) -> None:
    """Procrustes distances and linear CKA between every pair of a task's models, with MDS maps."""
    # scikit-learn loads here, for this job only
    from taskdyn.analysis.similarity import mds_embedding, pairwise_shape_metrics

    states = [held_out_states(path, analysis["n_trials"]) for path in evaluations]
    metrics = pairwise_shape_metrics([s.reshape(-1, s.shape[-1]) for s in states])
    embeddings = {"procrustes": mds_embedding(metrics["procrustes"]),
                  "cka": mds_embedding(1.0 - metrics["cka"])}
    write_h5(out, {**metrics, "embedding": embeddings},
             dims={"procrustes": "model,model", "cka": "model,model",
                   "embedding/procrustes": "model,component", "embedding/cka": "model,component"},
             attrs={**_models(evaluations), "provenance": provenance(analysis)})


def make_similarity_tables(*, results: list[str], pairs: str, embedding: str,
                           summary: str) -> None:
    """Long tables of pairwise values, MDS coordinates and family separation per measure."""
    from taskdyn.analysis.similarity import family_separation  # scikit-learn loads here

    pair_rows, point_rows, summary_rows = [], [], []
    for path in results:
        arrays, attrs = read_h5(path), read_h5_attrs(path)
        for measure in (m for m in SIMILARITY_MEASURES if m in arrays):
            values = arrays[measure]
            runs, families = attrs["run"], attrs["family"]
            for i in range(len(runs)):
                point_rows.append({"task": attrs["task"], "measure": measure, "run": runs[i],
                                   "family": families[i],
                                   **{f"mds_{k + 1}": float(v)
                                      for k, v in enumerate(arrays[f"embedding/{measure}"][i])}})
                pair_rows += [{"task": attrs["task"], "measure": measure, "run_a": runs[i],
                               "family_a": families[i], "run_b": runs[j],
                               "family_b": families[j], "value": float(values[i, j])}
                              for j in range(len(runs))]
            distances = 1.0 - values if measure == "cka" else values
            summary_rows.append({"task": attrs["task"], "measure": measure,
                                 **family_separation(distances, families)})
    prov = provenance({"results": results})
    write_table(pairs, pd.DataFrame(pair_rows), prov)
    write_table(embedding, pd.DataFrame(point_rows), prov)
    write_table(summary, pd.DataFrame(summary_rows), prov)


def decodable_labels(evaluation: str, patterns: list[str]) -> list[str]:
    """The evaluation's integer labels (`split` aside) matching any glob pattern, sorted; a
    pattern matching none is an error naming it and the labels there are."""
    with open_h5(evaluation) as f:
        names = sorted(n for n, d in f["labels"].items() if n != "split" and d.dtype.kind in "iub")
    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in names):
            raise ValueError(f"{evaluation}: no label matches {pattern!r}; its integer labels: "
                             f"{names}")
    return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def compared_steps(n_steps: int, n_times: int) -> np.ndarray:
    """`n_times` steps evenly spaced from the first to the last (every step if fewer)."""
    return np.unique(np.linspace(0, n_steps - 1, min(n_times, n_steps)).round().astype(int))


def decode_labels(*, evaluation: str, analysis: dict, table: str) -> None:
    """Cross-time decoding of named labels from one model's held-out hidden states.

    For each label, a linear decoder fitted at each compared step on the decoder-training
    trials is scored (balanced accuracy) at every compared step on the decoder-test trials;
    a per-trial label labels every step. Long table: label, train_step, test_step, accuracy,
    chance (1 / classes).
    """
    # scikit-learn loads here, for this job only
    from taskdyn.analysis.decoding import generalisation_matrix, split_trials

    names = decodable_labels(evaluation, analysis["labels"])
    arrays = read_h5(evaluation, ["hidden", "labels/split", *(f"labels/{n}" for n in names)])
    trials = first_held_out(arrays["labels/split"], analysis["n_trials"])
    hidden = arrays["hidden"][trials]
    times = compared_steps(hidden.shape[1], analysis["n_times"])
    train, test = split_trials(len(trials), analysis["test_fraction"], analysis["seed"])
    ident, rows = model_id(evaluation), []
    for name in names:
        labels = arrays[f"labels/{name}"][trials].astype(np.int64)
        if labels.ndim == 1:
            labels = np.repeat(labels[:, None], hidden.shape[1], axis=1)
        accuracy = generalisation_matrix(hidden, labels, train, test, times, analysis["C"])
        chance = 1.0 / max(len(np.unique(labels[labels >= 0])), 1)
        rows += [{**ident, "label": name, "train_step": int(times[a]), "test_step": int(times[b]),
                  "accuracy": float(accuracy[a, b]), "chance": chance}
                 for a in range(len(times)) for b in range(len(times))]
    write_table(table, pd.DataFrame(rows), provenance(analysis))


def network_key(evaluation: str) -> tuple:
    """(task, model, seed) of an evaluation file."""
    attrs = read_h5_attrs(evaluation)
    return tuple(attrs[k] for k in NETWORK_KEYS)


def hidden_state_diagrams(evaluations: list[str], n_trials: int, n_perm: int,
                          maxdim: int) -> dict[tuple, list[np.ndarray]]:
    """{(task, model, seed): H0 … H`maxdim` diagrams}, sorted by key, of each network's
    hidden-state cloud: the states of its first `n_trials` held-out trials, subsampled to
    `n_perm` points by greedy permutation."""
    from taskdyn.analysis.topology import persistence_diagrams  # ripser loads here

    diagrams = {}
    for path in evaluations:
        states = held_out_states(path, n_trials)
        diagrams[network_key(path)] = persistence_diagrams(
            states.reshape(-1, states.shape[-1]), maxdim, n_perm)
    return dict(sorted(diagrams.items()))


def diagram_table(cloud: str, diagrams: dict[tuple, list[np.ndarray]]) -> pd.DataFrame:
    """Long rows task, model, seed, cloud, dim, birth, death of every network's diagrams."""
    return pd.concat([pd.DataFrame({**dict(zip(NETWORK_KEYS, key)), "cloud": cloud, "dim": dim,
                                    "birth": dgm[:, 0], "death": dgm[:, 1]})
                      for key, dgms in diagrams.items() for dim, dgm in enumerate(dgms)],
                     ignore_index=True)


def diagram_distance_rows(cloud: str, diagrams: dict[tuple, list[np.ndarray]],
                          maxdim: int) -> list[dict[str, Any]]:
    """Long rows, one per pair of networks a < b (in key order), of the Wasserstein and
    bottleneck distance between their diagrams per dimension and summed ("all")."""
    from taskdyn.analysis.topology import (  # persim loads here
        METRICS,
        pairwise_distances,
    )

    keys, rows = list(diagrams), []
    for metric in METRICS:
        per_dim = [pairwise_distances([diagrams[k][dim] for k in keys], metric)
                   for dim in range(maxdim + 1)]
        for dim, matrix in [*enumerate(per_dim), ("all", sum(per_dim))]:
            for i, j in zip(*np.triu_indices(len(keys), k=1)):
                a, b = keys[i], keys[j]
                rows.append({"cloud": cloud, "metric": metric, "dim": str(dim),
                             **{f"{k}_a": v for k, v in zip(NETWORK_KEYS, a)},
                             **{f"{k}_b": v for k, v in zip(NETWORK_KEYS, b)},
                             "value": matrix[i, j]})
    return rows


def compute_hidden_topology(*, evaluations: list[str], analysis: dict, diagrams_table: str,
                            distances_table: str) -> None:
    """Persistence diagrams of every network's hidden-state cloud on one task, and the
    distances between them."""
    diagrams = hidden_state_diagrams(evaluations, analysis["n_trials"], analysis["n_perm"],
                                     analysis["maxdim"])
    distances = pd.DataFrame(diagram_distance_rows("hidden", diagrams, analysis["maxdim"]),
                             columns=["cloud", "metric", "dim",
                                      *(f"{k}_{s}" for s in "ab" for k in NETWORK_KEYS), "value"])
    prov = provenance(analysis)
    write_table(diagrams_table, diagram_table("hidden", diagrams), prov)
    write_table(distances_table, distances, prov)
