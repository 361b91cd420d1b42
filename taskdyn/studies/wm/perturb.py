"""The causal perturbation of the wm study (Lei et al. 2024, Fig. A7): a held memory shifted
along its decoder's normal one step before a match response, the trained recurrent module run
on from there, and the response probabilities read out. Unlike the other analyses it needs the
trained model (torch, imported in this stage only)."""

from __future__ import annotations

import logging

import numpy as np

from taskdyn.analysis.decoding import decoder_normals, normals_accuracy, split_trials
from taskdyn.studies.wm.analysis.perturbation import (
    axis_spread,
    decoder_shifts,
    random_shifts,
    shifted_probabilities,
    unit_rows,
)
from taskdyn.studies.wm.analysis.sampling import SampleCheck
from taskdyn.studies.wm.jobs import model_id, rnn_states, sample_check, write_wm_table
from taskdyn.tasks.nback import CLASS_NAMES, FEATURES, MATCH, task_name

log = logging.getLogger(__name__)

def perturb_memory(*, hp: dict, data: str, weights: str, evaluation: str, analysis: dict,
                   table: str) -> None:
    """Response probabilities on match steps after shifting the memory the answer compares
    against, along its decoder normal and along random directions, per N-back task."""
    from taskdyn.jobs import load_trained_model  # torch loads here, for this job only

    ident = model_id(evaluation)
    model = load_trained_model(study="wm", hp=hp, data=data, weights=weights)
    states = rnn_states(evaluation, analysis, extra=("inputs", "outputs"))
    train, test = split_trials(len(states["task"]), analysis["test_fraction"], analysis["seed"])
    rng = np.random.default_rng(analysis["seed"])
    check = sample_check(analysis, "perturbation", ident["task"])
    rows = []
    for task in np.unique(states["task"]):
        rows += _task_rows(model, states, int(task), train, test, analysis, rng, check)
    write_wm_table(table, rows, ident, analysis)


def _task_rows(model, states: dict[str, np.ndarray], task: int, train: np.ndarray,
               test: np.ndarray, analysis: dict, rng: np.random.Generator,
               check: SampleCheck) -> list[dict]:
    """One task's decoder (held memory of the compared stimulus, pooled over response steps:
    always age N − 1, one step before the answer) and its perturbation rows."""
    in_task = states["task"] == task
    n_back = int(states["n_back"][in_task][0])
    feature = FEATURES[states["feature"][in_task][0]]
    X_fit, y_fit, _ = _memory_samples(states, train[in_task[train]], n_back, feature)
    X_test, y_test, index = _memory_samples(states, test[in_task[test]], n_back, feature)
    if len(np.unique(y_fit)) < 2:
        log.warning("%s: fewer than two remembered values to fit a decoder on; skipped",
                    task_name(task))
        return []
    normals, classes = decoder_normals(X_fit, y_fit, analysis["C"])
    center = X_fit.mean(axis=0)
    accuracy = normals_accuracy(normals, classes, X_test, y_test, center)
    note = check(f"{task_name(task)} memory decoder", len(classes), len(y_fit), len(y_test))
    trial, t = index
    match = (states["target"][trial, t] == MATCH) & np.isin(y_test, classes)
    if not match.any():
        log.warning("%s: no held-out match step to perturb; skipped", task_name(task))
        return []
    X, u, y = X_test[match], states["inputs"][trial[match], t[match]], y_test[match]
    step, readout = _numpy_maps(model)
    _check_reproduces(states["outputs"][trial[match], t[match]], readout(step(X, u)))
    directions = unit_rows(normals)
    shifts = decoder_shifts(directions, classes, y, axis_spread(X_fit - center, directions))
    magnitudes = np.asarray(analysis["magnitudes"], dtype=float)
    keys = {"nback_task": task_name(task), "feature": feature, "n_classes": len(classes),
            "decoder_accuracy": accuracy, "n_fit": len(y_fit), "n_test": len(y_test),
            "sample_check": note, "n_samples": int(match.sum())}
    log.info("%s: %d match steps, decoder accuracy %.3f", keys["nback_task"], match.sum(),
             accuracy)
    rows = []
    for direction, shift in (("decoder", shifts), ("random", random_shifts(shifts, rng))):
        probs = shifted_probabilities(X, u, shift, magnitudes, step, readout)
        norm = np.linalg.norm(shift, axis=1)
        for m, magnitude in enumerate(magnitudes):
            chosen = probs[m].argmax(axis=1)
            rows += [{**keys, "direction": direction, "magnitude": float(magnitude),
                      "shift_norm": float(magnitude * norm.mean()),
                      "relative_shift": float(np.mean(magnitude * norm
                                                      / np.linalg.norm(X, axis=1))),
                      "response": name, "probability": float(probs[m, :, c].mean()),
                      "chosen": float(np.mean(chosen == c))}
                     for c, name in enumerate(CLASS_NAMES)]
    return rows


def _memory_samples(states: dict[str, np.ndarray], trials: np.ndarray, n_back: int,
                    feature: str) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """States one step before every response step t ≥ N of `trials`, labelled with `feature`
    of the stimulus shown at t − N (the one the answer at t compares against), and the
    (trial, t) index of each sample."""
    n_steps = states["hidden"].shape[1]
    trial, t = (a.ravel() for a in np.meshgrid(trials, np.arange(n_back, n_steps),
                                                indexing="ij"))
    labels = np.stack([states[f"mem{i}_{feature}"] for i in range(n_steps)], axis=1)
    y = labels[trial, t - n_back, t - 1]  # [trial, stimulus, time]
    return states["hidden"][trial, t - 1], y, (trial, t)


def _numpy_maps(model):
    """The trained recurrent module's one-step map and readout as numpy functions."""
    import torch


    def step(state: np.ndarray, u: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model.step(torch.as_tensor(state), torch.as_tensor(u)).numpy()

    def readout(state: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model.rnn.readout(model.hidden(torch.as_tensor(state))).numpy()

    return step, readout


def _check_reproduces(logits: np.ndarray, recomputed: np.ndarray) -> None:
    """The unshifted step must give the evaluation's logits: else weights and evaluation differ."""
    gap = float(np.max(np.abs(logits - recomputed), initial=0.0))
    log.info("unshifted step reproduces the evaluation's logits to %.2e", gap)
    if gap > 1e-3 * max(1.0, float(np.max(np.abs(logits), initial=0.0))):
        raise ValueError(f"one step from the evaluation's states gives logits {gap:.3g} away "
                         "from its outputs: the weights are not the evaluated model's")


# figure name → (tables it reads, in the drawing function's argument order; drawing function)
