"""Pipeline stages of the CtDB study's own rules: similarity suite, MultiTask and reaching results.

The similarity stages read only the common evaluation layout (`hidden`, `labels/split` and the
identifying attributes), so they run on any models that share a task, whatever their study.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.analysis.similarity import (
    family_separation,
    mds_embedding,
    pairwise_shape_metrics,
)
from taskdyn.analysis_jobs import model_id
from taskdyn.io import read_h5, read_h5_attrs, read_table, write_h5, write_table
from taskdyn.plotting import save_figure
from taskdyn.plotting.multitask import plot_multitask_performance
from taskdyn.plotting.reaching import plot_reaches
from taskdyn.plotting.similarity import plot_similarity
from taskdyn.provenance import provenance
from taskdyn.tasks import multitask as mt

MEASURES = {"dsa": "DSA distance", "procrustes": "Procrustes angle", "cka": "linear CKA"}


# ---------------------------------------------------------------------------------------------
# similarity suite
# ---------------------------------------------------------------------------------------------


def held_out_states(evaluation: str, n_trials: int) -> np.ndarray:
    """Hidden states `[trial, time, unit]` of the first `n_trials` held-out trials."""
    arrays = read_h5(evaluation, ["hidden", "labels/split"])
    return arrays["hidden"][np.flatnonzero(arrays["labels/split"] == 0)[:n_trials]]


def _models(evaluations: list[str]) -> dict[str, list]:
    """Run names, model names, seeds and families (model types) of the evaluations, in order."""
    ids = [model_id(path) for path in evaluations]
    return {"run": [f"{i['model']}/seed{i['seed']}" for i in ids],
            "model": [i["model"] for i in ids], "seed": [int(i["seed"]) for i in ids],
            "family": [read_h5_attrs(path)["model_type"] for path in evaluations],
            "task": ids[0]["task"]}


def compute_dsa(*, evaluations: list[str], analysis: dict, out: str) -> None:
    """DSA distances between every pair of a task's models, with their MDS map."""
    # torch loads here, for this job only
    from taskdyn.analysis.dsa import dsa_distances

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
    pair_rows, point_rows, summary_rows = [], [], []
    for path in results:
        arrays, attrs = read_h5(path), read_h5_attrs(path)
        for measure in (m for m in MEASURES if m in arrays):
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


def figure_similarity(*, pairs: str, embedding: str, pdf: str, png: str) -> None:
    """Matrices and MDS maps of every similarity measure of a task."""
    table = read_table(pairs)
    fig = plot_similarity(table, read_table(embedding), MEASURES,
                          f"{table['task'].iloc[0]}: model similarity")
    save_figure(fig, pdf, png)


# ---------------------------------------------------------------------------------------------
# MultiTask and RandomTarget
# ---------------------------------------------------------------------------------------------


def make_multitask_table(*, evaluations: list[str], table: str) -> None:
    """Per-subtask success rate and loss-weighted MSE of every model × seed (held-out trials)."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        arrays = read_h5(path, ["outputs", "targets", "labels/split", "labels/subtask",
                                "labels/response_angle", "labels/response_end",
                                "labels/weight"])
        held_out = arrays["labels/split"] == 0
        success = mt.response_success(arrays["outputs"], arrays["labels/response_angle"],
                                      arrays["labels/response_end"])
        error = ((arrays["outputs"] - arrays["targets"]) ** 2).sum(-1) * arrays["labels/weight"]
        for index in np.unique(arrays["labels/subtask"][held_out]):
            chosen = held_out & (arrays["labels/subtask"] == index)
            base = {**ident, "subtask": mt.SUBTASKS[index], "n_trials": int(chosen.sum())}
            rows.append({**base, "metric": "success_rate", "value": float(success[chosen].mean())})
            rows.append({**base, "metric": "weighted_mse",
                         "value": float(error[chosen].sum(-1).mean() / mt.N_OUTPUTS)})
    write_table(table, pd.DataFrame(rows), provenance({"evaluations": evaluations}))


def figure_multitask(*, table: str, pdf: str, png: str) -> None:
    """Success rate per subtask, one bar per model (mean over seeds), seeds as dots."""
    frame = read_table(table)
    save_figure(plot_multitask_performance(frame, list(mt.SUBTASKS),
                                           f"{frame['task'].iloc[0]}: success per subtask"),
                pdf, png)


def make_reaching_table(*, evaluations: list[str], table: str) -> None:
    """Hand-to-goal distance at trial end, per trial condition, and effort per model × seed."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        arrays = read_h5(path)
        held_out = arrays["labels/split"] == 0
        end = np.linalg.norm(arrays["outputs"][:, -1] - arrays["targets"][:, -1], axis=-1)
        catch, bumped = arrays["labels/catch"] == 1, arrays["labels/bumped"] == 1
        conditions = {"reach": ~catch & ~bumped, "reach_bumped": ~catch & bumped,
                      "catch": catch}
        for condition, chosen in conditions.items():
            chosen = chosen & held_out
            if chosen.any():
                rows.append({**ident, "condition": condition, "metric": "end_error_m",
                             "n_trials": int(chosen.sum()), "value": float(end[chosen].mean())})
        effort = np.mean([v[held_out] ** 2 for k, v in arrays.items()
                          if k.startswith("labels/activation_")])
        rows.append({**ident, "condition": "all", "metric": "effort",
                     "n_trials": int(held_out.sum()), "value": float(effort)})
    write_table(table, pd.DataFrame(rows), provenance({"evaluations": evaluations}))


def figure_reaching(*, evaluations: list[str], pdf: str, png: str) -> None:
    """Hand paths of held-out reaches without and with bumps, one row per model (first seed)."""
    runs, seen = [], set()
    for path in evaluations:
        ident = model_id(path)
        if ident["model"] in seen:
            continue
        seen.add(ident["model"])
        arrays = read_h5(path)
        runs.append({"name": f"{ident['model']} (seed {ident['seed']})", **{
            k.removeprefix("labels/"): v[arrays["labels/split"] == 0] for k, v in arrays.items()
            if k in ("outputs", "targets") or k.startswith("labels/")}})
    save_figure(plot_reaches(runs, f"{model_id(evaluations[0])['task']}: reaches"), pdf, png)
