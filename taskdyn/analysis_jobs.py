"""Pipeline stages after evaluation: per-model analyses, cross-model comparisons, tables.

Each function reads the common evaluation layout (and, for dynamics, the trained model), calls
the numpy-in/numpy-out analysis modules, and writes HDF5 or CSV with provenance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.analysis.spectra import eigenvalues, spectral_radius
from taskdyn.io import read_h5, read_h5_attrs, read_json, write_h5, write_table
from taskdyn.jobs import load_trained_model
from taskdyn.provenance import provenance
from taskdyn.studies.splits import held_out, training

ID_KEYS = ("study", "task", "model", "seed")
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
                            evaluation: str, out: str) -> None:
    """Fixed points of a trained model's one-step map at zero input, started on its trajectories."""
    # torch loads here, for this job only
    from taskdyn.analysis.fixed_points import find_fixed_points, sample_states

    model = load_trained_model(study=study, hp=hp, data=data, weights=weights).double()
    arrays = read_h5(evaluation, ["hidden", "inputs"])
    rng = np.random.default_rng(analysis["seed"])
    starts = sample_states(arrays["hidden"], analysis["n_inits"], analysis["noise_scale"], rng)
    inputs = np.zeros((len(starts), arrays["inputs"].shape[-1]))
    fps = find_fixed_points(model.step, starts, inputs, lr=analysis["lr"],
                            max_iters=analysis["max_iters"], tol_q=analysis["tol_q"],
                            q_thresh=analysis["q_thresh"], newton_steps=analysis["newton_steps"],
                            tol_unique=analysis["tol_unique"])
    write_h5(out, {"xstar": fps.xstar, "inputs": fps.inputs, "qstar": fps.qstar,
                   "jacobians": fps.jacobians, "eigvals": fps.eigvals,
                   "is_stable": fps.is_stable},
             dims={"xstar": "point,state", "inputs": "point,input", "qstar": "point",
                   "jacobians": "point,state,state", "eigvals": "point,state",
                   "is_stable": "point"},
             attrs={**model_id(evaluation), "n_stable": fps.n_stable, "n_iters": fps.n_iters,
                    "n_candidates": fps.n_candidates,
                    "provenance": provenance({"hp": hp, "analysis": analysis})})


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
    write_table(table, pd.DataFrame(rows), provenance(analysis))


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
    return arrays["hidden"][np.flatnonzero(held_out(arrays["labels/split"]))[:n_trials]]


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
