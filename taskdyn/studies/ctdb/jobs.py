"""Pipeline stages of the CtDB study's own rules: MultiTask per-subtask success, psychometric
curves and fixed points per phase, RandomTarget reaches and the flip-flop's fixed points at the
bit cube's corners."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskdyn.analysis_jobs import ID_KEYS, model_id
from taskdyn.io import read_h5, read_h5_attrs, read_table, write_table
from taskdyn.plotting import save_figure
from taskdyn.provenance import provenance
from taskdyn.studies.ctdb.analysis import (
    CORNER_TOLERANCE,
    DECISION_SUBTASKS,
    chose_first,
    corner_summary,
    end_point_errors,
    phase_summary,
    psychometric,
)
from taskdyn.studies.ctdb.plotting import (
    plot_fixed_points_by_phase,
    plot_multitask_performance,
    plot_psychometric,
    plot_reaches,
)
from taskdyn.studies.splits import first_held_out, held_out
from taskdyn.tasks import multitask as mt


def make_multitask_table(*, evaluations: list[str], table: str) -> None:
    """Per-subtask success rate and loss-weighted MSE of every model × seed (held-out trials)."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        arrays = read_h5(path, ["outputs", "targets", "labels/split", "labels/subtask",
                                "labels/response_angle", "labels/response_end",
                                "labels/weight"])
        test = held_out(arrays["labels/split"])
        success = mt.response_success(arrays["outputs"], arrays["labels/response_angle"],
                                      arrays["labels/response_end"])
        error = ((arrays["outputs"] - arrays["targets"]) ** 2).sum(-1) * arrays["labels/weight"]
        for index in np.unique(arrays["labels/subtask"][test]):
            chosen = test & (arrays["labels/subtask"] == index)
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


def make_psychometric_table(*, evaluations: list[str], table: str) -> None:
    """P(choose stimulus 1) per evidence bin of every model × seed in each Decision subtask
    (held-out trials): long rows task, model, seed, subtask, evidence, n_trials, p_choose_1."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        arrays = read_h5(path, ["outputs", "labels/split", "labels/subtask",
                                "labels/response_end", "labels/theta1", "labels/theta2",
                                "labels/evidence"])
        labels = {k.removeprefix("labels/"): v for k, v in arrays.items()}
        choices = chose_first(arrays["outputs"], labels["theta1"], labels["theta2"],
                              labels["response_end"])
        test = held_out(labels["split"])
        for name in DECISION_SUBTASKS:
            chosen = test & (labels["subtask"] == mt.SUBTASKS.index(name))
            rows += [{**ident, "subtask": name, **row} for row in
                     psychometric(labels["evidence"][chosen], choices[chosen])]
    columns = [*ID_KEYS, "subtask", "evidence", "n_trials", "p_choose_1"]
    write_table(table, pd.DataFrame(rows, columns=columns),
                provenance({"evaluations": evaluations}))


def figure_psychometric(*, table: str, pdf: str, png: str) -> None:
    """One panel per Decision subtask: P(choose stimulus 1) against evidence, one line per model
    (mean over seeds)."""
    frame = read_table(table)
    task = frame["task"].iloc[0] if len(frame) else "multitask"
    save_figure(plot_psychometric(frame, list(DECISION_SUBTASKS),
                                  f"{task}: choices against evidence (held-out trials)"),
                pdf, png)


def make_reaching_table(*, evaluations: list[str], table: str) -> None:
    """Hand-to-goal distance at trial end (mean and median), per trial condition (reach,
    bumped reach, both: non_catch; catch), and effort per model × seed."""
    rows = []
    for path in evaluations:
        ident = model_id(path)
        arrays = read_h5(path)
        test = held_out(arrays["labels/split"])
        end = end_point_errors(arrays["outputs"], arrays["targets"])
        catch, bumped = arrays["labels/catch"] == 1, arrays["labels/bumped"] == 1
        conditions = {"reach": ~catch & ~bumped, "reach_bumped": ~catch & bumped,
                      "non_catch": ~catch, "catch": catch}
        for condition, chosen in conditions.items():
            chosen = chosen & test
            if chosen.any():
                rows += [{**ident, "condition": condition, "metric": metric,
                          "n_trials": int(chosen.sum()), "value": float(statistic(end[chosen]))}
                         for metric, statistic in (("end_error_m", np.mean),
                                                   ("median_end_error_m", np.median))]
        effort = np.mean([v[test] ** 2 for k, v in arrays.items()
                          if k.startswith("labels/activation_")])
        rows.append({**ident, "condition": "all", "metric": "effort",
                     "n_trials": int(test.sum()), "value": float(effort)})
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
            k.removeprefix("labels/"): v[held_out(arrays["labels/split"])]
            for k, v in arrays.items()
            if k in ("outputs", "targets") or k.startswith("labels/")}})
    save_figure(plot_reaches(runs, f"{model_id(evaluations[0])['task']}: reaches"), pdf, png)


def make_fixed_point_table(*, fixed_points: list[str], task: dict, table: str) -> None:
    """Per model × seed of a flip-flop task: its fixed points read out at the bit cube's corners."""
    rows = []
    for path in fixed_points:
        arrays = read_h5(path, ["readout", "eigvals", "qstar"])
        counts = corner_summary(arrays["readout"], arrays["eigvals"], arrays["qstar"],
                                task["n_bits"])
        rows.append({**model_id(path), "n_bits": task["n_bits"], **counts,
                     "n_inits": read_h5_attrs(path)["n_candidates"],
                     "tolerance": CORNER_TOLERANCE})
    write_table(table, pd.DataFrame(rows), provenance({"task": task, "fixed_points": fixed_points}))


def make_fixed_points_by_phase_table(*, fixed_points: list[str], table: str) -> None:
    """Per model × seed × (subtask, phase) of a MultiTask task: its fixed points found with the
    phase's constant input (`analyses.fixed_points.inputs: per_phase`)."""
    rows = []
    for path in fixed_points:
        attrs = read_h5_attrs(path)
        if attrs.get("inputs_mode") != "per_phase":
            raise ValueError(f"{path}: fixed points at {attrs.get('inputs_mode', 'zero')} input, "
                             "not per phase (set analyses.fixed_points.inputs: per_phase)")
        arrays = read_h5(path, ["condition", "eigvals", "qstar"])
        rows += [{**model_id(path), **row} for row in phase_summary(
            attrs["conditions"], arrays["condition"], arrays["eigvals"], arrays["qstar"])]
    write_table(table, pd.DataFrame(rows), provenance({"fixed_points": fixed_points}))


def figure_fixed_points_by_phase(*, fixed_points: str, evaluation: str, pdf: str,
                                 png: str) -> None:
    """One panel per phase: its fixed points on the top 2 hidden-state PCs, coloured by subtask,
    stable points filled and unstable ones hollow, over 20 held-out trajectories in grey."""
    from taskdyn.analysis.pca import fit_pca, project  # scikit-learn loads here, for this job

    arrays = read_h5(evaluation, ["hidden", "labels/split", "labels/response_end"])
    fp = read_h5(fixed_points, ["xstar", "is_stable", "condition"])
    conditions = read_h5_attrs(fixed_points)["conditions"]
    pca = fit_pca(arrays["hidden"], 2)
    ident = model_id(evaluation)
    save_figure(plot_fixed_points_by_phase(
        project(pca, fp["xstar"]) if len(fp["xstar"]) else np.zeros((0, 2)),
        fp["is_stable"].astype(bool), [conditions[c] for c in fp["condition"]],
        [project(pca, arrays["hidden"][i, : arrays["labels/response_end"][i]])
         for i in first_held_out(arrays["labels/split"], 20)], list(mt.EPOCHS),
        f"{ident['task']} · {ident['model']} seed {ident['seed']}: fixed points per phase"),
        pdf, png)
