"""Pipeline stages of the binding study: spectra against theory, signatures, topology,
comparison, and the figures drawn from their tables.

Each table stage reads evaluation files or earlier tables, calls the numpy-in/numpy-out analyses
and writes long CSV tables with provenance (`taskdyn.io.write_table`); each figure stage reads
those tables, draws (with `taskdyn.studies.binding.plotting`) and saves PDF + PNG. Models are
identified by `task, model, seed` columns; the tasks of the study are its "experiments".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskdyn.analysis.spectra import eigenvalues, spectral_radius
from taskdyn.analysis.topology import (
    PersistenceImages,
    complex_points,
    finite_bars,
    nearest_to_mean,
    persistence_diagrams,
    persistence_image_grid,
    persistence_images,
    persistence_summary,
)
from taskdyn.analysis_jobs import (
    NETWORK_KEYS,
    diagram_distance_rows,
    diagram_table,
    hidden_state_diagrams,
)
from taskdyn.io import atomic_path, read_h5, read_h5_attrs, read_table, write_h5, write_table
from taskdyn.plotting import plt, save_figure
from taskdyn.plotting.topology import plot_distance_heatmaps, plot_persistence_diagrams
from taskdyn.provenance import provenance
from taskdyn.studies.binding import seq_length_values
from taskdyn.studies.binding.analysis.experiment_comparison import rank_tests, summarise
from taskdyn.studies.binding.analysis.operator_spectra import (
    frobenius_error,
    projected_spectrum,
    spectral_error,
    unit_circle_count,
)
from taskdyn.studies.binding.analysis.signatures import (
    SIGNATURE_NAMES,
    eigenvalue_signature,
    embed,
)
from taskdyn.studies.binding.analysis.table1 import paper_task, render_table1, table1_cells
from taskdyn.studies.binding.analysis.variable_memories import (
    empirical_transition,
    memory_coordinates,
    operator_agreement,
    residual_fraction,
    variable_locations,
    variable_memory_basis,
)
from taskdyn.studies.binding.plotting import (
    plot_accuracy_by_step,
    plot_eigenvalue_histograms,
    plot_embeddings,
    plot_experiment_comparison,
    plot_operator_spectra,
    plot_topology_accuracy,
    plot_variable_locations,
    plot_variable_memories,
)
from taskdyn.studies.binding.settings import GROUP_KEYS
from taskdyn.studies.splits import held_out
from taskdyn.tasks.binding import task_operator, transition_matrix

KEYS = NETWORK_KEYS
COMPARED_METRICS = ["accuracy", "spectral_radius", "unit_circle_count", "spectral_error_projected",
                    "spectral_error_partial_projected"]


def theory_matrix(task: dict[str, Any]) -> np.ndarray:
    """The task's transition matrix Φ `(s·d, s·d)` (for the longest window of a range)."""
    s = max(seq_length_values(task))
    return transition_matrix(task_operator(task["task_id"], task["input_dim"], s))


def compute_spectra(*, evaluations: list[str], task: dict, analysis: dict, models_table: str,
                    eigenvalues_table: str, accuracy_table: str) -> None:
    """Per model × seed: W_hh spectra and its projection against theory, accuracy and accuracy
    per output step."""
    phi = theory_matrix(task)
    theory = eigenvalues(phi)
    metric_rows, eig_rows, step_rows = [], [], []
    for path in evaluations:
        attrs = read_h5_attrs(path)
        ident = {k: attrs[k] for k in KEYS}
        arrays = read_h5(path, ["weights/W_hh", "labels/correct", "labels/mask",
                                "labels/seq_length", "labels/split"])
        test = held_out(arrays["labels/split"])
        w_hh = arrays["weights/W_hh"]
        k = min(len(theory), len(w_hh))
        projected = projected_spectrum(w_hh, k)
        spectra = {"full": eigenvalues(w_hh), "projected": projected.eigvals, "theory": theory}
        for kind, values in spectra.items():
            eig_rows.append(pd.DataFrame({**ident, "spectrum": kind, "re": values.real,
                                          "im": values.imag}))
        tol = analysis["unit_circle_tol"]
        metrics = {**attrs["metrics"], "k": k, "variance_ratio": projected.variance_ratio,
                   "spectral_radius": spectral_radius(w_hh),
                   "unit_circle_count": unit_circle_count(spectra["full"], tol),
                   "unit_circle_count_projected": unit_circle_count(projected.eigvals, tol),
                   "unit_circle_count_theory": unit_circle_count(theory, tol),
                   **_frobenius_metrics(projected.matrix, phi)}
        for kind in ("projected", "full"):
            err = spectral_error(spectra[kind], theory, analysis["threshold"])
            metrics.update({f"spectral_error_{kind}": err.error,
                            f"spectral_error_partial_{kind}": err.partial_error,
                            f"n_learned_{kind}": err.n_learned, f"n_theory_{kind}": err.n_theory,
                            f"counts_match_{kind}": float(err.counts_match)})
        metric_rows += [{**ident, "metric": m, "value": float(v)} for m, v in metrics.items()]
        by_step = accuracy_by_step(arrays["labels/correct"][test], arrays["labels/mask"][test],
                                   arrays["labels/seq_length"][test])
        step_rows.append(pd.DataFrame({**ident, "step": np.arange(1, len(by_step) + 1),
                                       "accuracy": by_step}))
    prov = provenance({"task": task, "analysis": analysis})
    write_table(models_table, pd.DataFrame(metric_rows), prov)
    write_table(eigenvalues_table, pd.concat(eig_rows, ignore_index=True), prov)
    write_table(accuracy_table, pd.concat(step_rows, ignore_index=True), prov)


def _frobenius_metrics(projected: np.ndarray, phi: np.ndarray) -> dict[str, float]:
    """`frobenius_error` and `frobenius_relative` of W_sub against Φ; NaN when W has fewer
    units than Φ has rows (W_sub is then smaller than Φ)."""
    if projected.shape != phi.shape:
        return {"frobenius_error": float("nan"), "frobenius_relative": float("nan")}
    frob = frobenius_error(projected, phi)
    return {"frobenius_error": frob.error, "frobenius_relative": frob.relative}


def accuracy_by_step(correct: np.ndarray, mask: np.ndarray, seq_length: np.ndarray) -> np.ndarray:
    """`(output step,)` mean sign accuracy at output steps 1 … horizon (after each trial's s)."""
    horizon = int(mask.sum(axis=1).max())
    time = seq_length[:, None] + np.arange(horizon)[None, :]
    return np.take_along_axis(correct, time, axis=1).mean(axis=0)


def _spectra(tables: list[str], kind: str) -> dict[tuple, np.ndarray]:
    """`{(task, model, seed): eigenvalues}` of one spectrum kind from eigenvalue tables."""
    table = pd.concat([read_table(p) for p in tables], ignore_index=True)
    table = table[table["spectrum"] == kind]
    return {key: (g["re"] + 1j * g["im"]).to_numpy()
            for key, g in table.groupby(KEYS, sort=True)}


def compute_signatures(*, eigenvalue_tables: list[str], analysis: dict, signatures_table: str,
                       embeddings_table: str) -> None:
    """Eigenvalue signatures of every model of every task, and their 2-D embeddings."""
    spectra = _spectra(eigenvalue_tables, analysis["spectrum"])
    keys = list(spectra)
    features = np.stack([eigenvalue_signature(spectra[key]) for key in keys])
    ids = pd.DataFrame(keys, columns=KEYS)
    signatures = pd.concat([ids.assign(feature=name, value=features[:, i])
                            for i, name in enumerate(SIGNATURE_NAMES)], ignore_index=True)
    embeddings = []
    for method in analysis["methods"]:
        xy = embed(features, method, seed=analysis["seed"], perplexity=analysis["perplexity"])
        embeddings.append(ids.assign(method=method, x=xy[:, 0], y=xy[:, 1]))
    prov = provenance(analysis)
    write_table(signatures_table, signatures, prov)
    write_table(embeddings_table, pd.concat(embeddings, ignore_index=True), prov)


def compute_topology(*, eigenvalue_tables: list[str], evaluations: list[str], analysis: dict,
                     diagrams_table: str, distances_table: str, images_table: str) -> None:
    """H0/H1 of each model's eigenvalue cloud (and hidden states, as the generic hidden-state
    topology computes them), their distances and H1 persistence images."""
    diagrams = {"eigenvalues": {
        key: persistence_diagrams(complex_points(values), analysis["maxdim"])
        for key, values in sorted(_spectra(eigenvalue_tables, analysis["spectrum"]).items())}}
    if "hidden" in analysis:
        diagrams["hidden"] = hidden_state_diagrams(evaluations, analysis["hidden"]["n_trials"],
                                                   analysis["hidden"]["n_perm"],
                                                   analysis["maxdim"])
    diagram_tables, distance_rows, image_rows = [], [], []
    for cloud, by_model in diagrams.items():
        diagram_tables.append(diagram_table(cloud, by_model))
        distance_rows += diagram_distance_rows(cloud, by_model, analysis["maxdim"])
        images = persistence_images([dgms[1] for dgms in by_model.values()],
                                    analysis["pixel_size"], analysis["sigma"])
        for key, image in zip(by_model, images):
            ib, ip = np.indices(image.shape)
            image_rows.append(pd.DataFrame({**dict(zip(KEYS, key)), "cloud": cloud, "dim": 1,
                                            "birth_pixel": ib.ravel(), "pers_pixel": ip.ravel(),
                                            "value": image.ravel()}))
    prov = provenance(analysis)
    write_table(diagrams_table, pd.concat(diagram_tables, ignore_index=True), prov)
    write_table(distances_table, pd.DataFrame(distance_rows), prov)
    write_table(images_table, pd.concat(image_rows, ignore_index=True), prov)


def summarise_topology(*, diagrams_table: str, models_tables: list[str], analysis: dict,
                       summary_table: str) -> None:
    """Per model and point cloud: H1 bar count, total and largest H1 persistence and total
    finite H0 persistence, beside the model's test accuracy."""
    diagrams = read_table(diagrams_table)
    rows = []
    for cloud in dict.fromkeys(diagrams["cloud"]):
        h0, h1 = diagrams_by_model(diagrams, cloud, 0), diagrams_by_model(diagrams, cloud, 1)
        rows += [{**dict(zip(KEYS, key)), "cloud": cloud,
                  **persistence_summary([h0[key], h1[key]])}
                 for key in h0]
    accuracy = wide_metrics(models_tables)[[*KEYS, "accuracy"]]
    summary = pd.DataFrame(rows).merge(accuracy, on=KEYS, how="left", validate="many_to_one")
    write_table(summary_table, summary, provenance(analysis))


def diagrams_by_model(diagrams: pd.DataFrame, cloud: str, dim: int) -> dict[tuple, np.ndarray]:
    """`{(task, model, seed): (bar, 2)}` one dimension's diagrams of one point cloud, read back
    from a diagrams table; a model without bars in `dim` gets an empty `(0, 2)` diagram."""
    part = diagrams[diagrams["cloud"] == cloud]
    keys = sorted(set(part[KEYS].itertuples(index=False, name=None)))
    bars = {key: g[["birth", "death"]].to_numpy(dtype=float)
            for key, g in part[part["dim"] == dim].groupby(KEYS)}
    return {key: bars.get(key, np.zeros((0, 2))) for key in keys}


def image_sets(diagrams: pd.DataFrame, pixel_size: float, sigma: float
               ) -> dict[str, tuple[dict[tuple, np.ndarray], PersistenceImages]]:
    """Per point cloud: each model's H1 diagram (sorted by model) and their persistence images
    on the cloud's shared grid, from a diagrams table, made as `compute_topology` makes the
    images table (the same grid, kernel and weights, so the same values)."""
    sets = {}
    for cloud in dict.fromkeys(diagrams["cloud"]):
        h1 = diagrams_by_model(diagrams, cloud, 1)
        sets[cloud] = (h1, persistence_image_grid(list(h1.values()), pixel_size, sigma))
    return sets


def compare_experiments(*, models_tables: list[str], settings: dict[str, dict[str, float]],
                        group_by: list[str], summary_table: str, tests_table: str) -> None:
    """Spectral radius, unit-circle count, accuracy and spectral error per group of models
    (`group_by`: task, model and any of `GROUP_KEYS`, e.g. task × hidden × L2), with rank tests
    between the groups."""
    wide = grouped(wide_metrics(models_tables), settings, group_by)
    prov = provenance({"metrics": COMPARED_METRICS, "group_by": group_by})
    keys = wide.drop_duplicates("group").set_index("group")[group_by]
    summary = summarise(wide, "group", COMPARED_METRICS)
    write_table(summary_table, summary.join(keys, on="group"), prov)
    write_table(tests_table, rank_tests(wide, "group", COMPARED_METRICS), prov)


def grouped(wide: pd.DataFrame, settings: dict[str, dict[str, float]],
            group_by: list[str]) -> pd.DataFrame:
    """`wide` with each model's settings as columns and a `group` label joining `group_by`."""
    wide = wide.copy()
    for key in GROUP_KEYS:
        wide[key] = wide["model"].map(lambda m, key=key: settings[m][key])
    wide["group"] = wide.apply(
        lambda row: " · ".join(str(row[k]) if k in ("task", "model") else f"{k} {row[k]:g}"
                               for k in group_by), axis=1)
    return wide


def make_table1(*, models_tables: list[str], tasks: dict[str, dict],
                settings: dict[str, dict[str, float]], table: str, markdown: str) -> None:
    """The paper's Table 1 for the run's cells (task × hidden × L2), beside the paper's values."""
    wide = grouped(wide_metrics(models_tables), settings, ["task"])
    wide["task"] = wide["task"].map(
        lambda name: paper_task(tasks[name]["task_id"], tasks[name]["input_dim"]) or name)
    cells = table1_cells(wide)
    write_table(table, cells, provenance({"tasks": tasks, "settings": settings}))
    with atomic_path(markdown) as tmp:
        tmp.write_text(render_table1(cells))


def wide_metrics(models_tables: list[str]) -> pd.DataFrame:
    """One row per model × seed, one column per metric, from long per-task model tables; a
    metric that is NaN for every model (a spectral error where no count matches) keeps its
    column."""
    long = pd.concat([read_table(p) for p in models_tables], ignore_index=True)
    return long.set_index([*KEYS, "metric"])["value"].unstack("metric").reset_index()


def figure_spectra(*, eigenvalues_table: str, models_table: str, task: str, max_panels: int,
                   pdf: str, png: str) -> None:
    """Learned (W_hh) against theoretical (Φ) eigenvalues with the unit circle, per model."""
    fig = plot_operator_spectra(read_table(eigenvalues_table), wide_metrics([models_table]),
                                max_panels,
                                f"binding · {task}: W_hh eigenvalues against the task operator")
    save_figure(fig, pdf, png)


def figure_eigenvalue_histograms(*, eigenvalues_table: str, task: str, pdf: str,
                                 png: str) -> None:
    """Histograms of |λ| and angle of the projected W_hh spectra per model against theory."""
    fig = plot_eigenvalue_histograms(
        read_table(eigenvalues_table), "projected",
        f"binding · {task}: eigenvalues of W_hh in its top-k subspace against the task operator")
    save_figure(fig, pdf, png)


def figure_accuracy(*, accuracy_table: str, task: str, trained_horizon: int, pdf: str,
                    png: str) -> None:
    """Test accuracy against output step (horizon) for every model of a task."""
    fig = plot_accuracy_by_step(read_table(accuracy_table), trained_horizon,
                                f"binding · {task}: accuracy against horizon")
    save_figure(fig, pdf, png)


def figure_embeddings(*, embeddings_table: str, pdf: str, png: str) -> None:
    """2-D embeddings of the models' eigenvalue signatures, coloured by task."""
    fig = plot_embeddings(read_table(embeddings_table),
                          "binding: eigenvalue signatures of every model")
    save_figure(fig, pdf, png)


def figure_persistence(*, diagrams_table: str, pdf: str, png: str) -> None:
    """Example persistence diagrams, one model per task and point cloud."""
    fig = plot_persistence_diagrams(read_table(diagrams_table),
                                    "binding: persistence diagrams (Rips, H0 and H1)")
    save_figure(fig, pdf, png)


def figure_persistence_images(*, diagrams_table: str, pixel_size: float, sigma: float, pdf: str,
                              png: str) -> None:
    """H1 persistence images per task and point cloud: a representative model and the mean."""
    fig = plot_persistence_images(
        image_sets(read_table(diagrams_table), pixel_size, sigma),
        f"binding: H1 persistence images (pixel {pixel_size:g}, Gaussian sd {sigma:g})")
    save_figure(fig, pdf, png)


def plot_persistence_images(sets: dict[str, tuple[dict[tuple, np.ndarray], PersistenceImages]],
                            title: str) -> plt.Figure:
    """Rows: point cloud × task; columns: the task's model nearest its mean image (its H1 bars
    circled) and the mean image of the task's models, on the cloud's shared grid.

    `sets`: per cloud, `{(task, model, seed): H1 diagram}` and their `PersistenceImages`.
    """
    rows = [(cloud, task) for cloud, (h1, _) in sets.items()
            for task in sorted({key[0] for key in h1})]
    fig, axes = plt.subplots(len(rows), 2, figsize=(7.4, 2.9 * len(rows)), squeeze=False)
    for (cloud, task), (ax_rep, ax_mean) in zip(rows, axes):
        h1, grid = sets[cloud]
        keys = [key for key in h1 if key[0] == task]
        images = grid.images[[i for i, key in enumerate(h1) if key[0] == task]]
        rep = nearest_to_mean(images)
        _, model, seed = keys[rep]
        bars = finite_bars(h1[keys[rep]])
        _image_panel(fig, ax_rep, images[rep], grid,
                     f"{cloud} · {task}\n{model} seed {seed} (nearest the mean)")
        ax_rep.scatter(bars[:, 0], bars[:, 1] - bars[:, 0], s=10, facecolors="none",
                       edgecolors="w", lw=0.7)
        _image_panel(fig, ax_mean, images.mean(axis=0), grid,
                     f"{cloud} · {task}\nmean of {len(keys)} models")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _image_panel(fig: plt.Figure, ax: plt.Axes, image: np.ndarray, grid: PersistenceImages,
                 title: str) -> None:
    """One `(birth_pixel, persistence_pixel)` image in birth/persistence units with a colour
    bar; an all-zero image is labelled."""
    ax.set_title(title, fontsize=8)
    extent = (grid.birth_edges[0], grid.birth_edges[-1], grid.pers_edges[0], grid.pers_edges[-1])
    shown = ax.imshow(image.T, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                      interpolation="nearest")
    ax.set(xlabel="birth", ylabel="persistence (death − birth)")
    if image.any():
        fig.colorbar(shown, ax=ax, shrink=0.85, label="pixel value")
    else:
        ax.text(0.5, 0.5, "no H1 bars", transform=ax.transAxes, ha="center", va="center",
                fontsize=8, color="w")


def figure_topology_accuracy(*, summary_table: str, pdf: str, png: str) -> None:
    """Largest and total H1 persistence of the eigenvalue clouds against accuracy."""
    summary = read_table(summary_table)
    fig = plot_topology_accuracy(summary[summary["cloud"] == "eigenvalues"],
                                 "binding: H1 persistence of the eigenvalue cloud against accuracy")
    save_figure(fig, pdf, png)


def figure_distances(*, distances_table: str, pdf: str, png: str) -> None:
    """Heatmaps of pairwise Wasserstein and bottleneck distances between models' diagrams."""
    fig = plot_distance_heatmaps(read_table(distances_table),
                                 "binding: distances between persistence diagrams")
    save_figure(fig, pdf, png)


def figure_comparison(*, models_tables: list[str], settings: dict[str, dict[str, float]],
                      group_by: list[str], tests_table: str, pdf: str, png: str) -> None:
    """Spectral radius, unit-circle count, accuracy and spectral error per group of models."""
    fig = plot_experiment_comparison(grouped(wide_metrics(models_tables), settings, group_by),
                                     read_table(tests_table), COMPARED_METRICS,
                                     f"binding: models grouped by {' × '.join(group_by)}")
    save_figure(fig, pdf, png)


def stored_values(labels: dict[str, np.ndarray], n_vars: int, d: int) -> np.ndarray:
    """`(trial, variable, bit)` ±1 stored input values from `input{j}_bit{b}` labels (1/0), 0
    where a trial's window is shorter than the variable."""
    bits = np.stack([np.stack([labels[f"input{j}_bit{b}"] for b in range(d)], axis=-1)
                     for j in range(n_vars)], axis=1).astype(float)
    return np.where(bits < 0, 0.0, 2 * bits - 1)


def compute_variable_memories(*, hp: dict, analysis: dict, data: str, weights: str,
                              evaluation: str, out: str) -> None:
    """One trained model's variable-memory basis, its W_hh read in it (Φ_emp) against the task's
    Φ, and where each stored variable sits at each early step of the held-out trials."""
    from taskdyn.jobs import load_trained_model  # torch loads here, for this job

    task = hp["task"]
    d, s = task["input_dim"], max(seq_length_values(task))
    model = load_trained_model(study="binding", hp=hp, data=data, weights=weights).double()
    w_hh = model.recurrent_weights()["W_hh"].detach().numpy()
    w_hy = model.readout.weight.detach().numpy()
    phi = transition_matrix(task_operator(task["task_id"], d, s))
    memories = variable_memory_basis(w_hh, w_hy, phi, analysis["threshold"])
    empirical = empirical_transition(memories, w_hh)
    agreement = operator_agreement(empirical, phi, memories.kept, d)
    names = ["hidden", "labels/split"] + [f"labels/input{j}_bit{b}" for j in range(s)
                                          for b in range(d)]
    arrays = read_h5(evaluation, names)
    test = held_out(arrays["labels/split"])
    hidden = arrays["hidden"][test][:analysis["n_trials"]]
    labels = {k.removeprefix("labels/"): v[test][:analysis["n_trials"]]
              for k, v in arrays.items() if k.startswith("labels/input")}
    locations = variable_locations(memory_coordinates(hidden[:, :analysis["n_steps"]], memories),
                                   stored_values(labels, s, d))
    attrs = read_h5_attrs(evaluation)
    write_h5(out, {"psi": memories.psi, "psi_star": memories.psi_star,
                   "kept": memories.kept, "phi_empirical": empirical, "phi_theory": phi,
                   "locations": locations},
             dims={"psi": "unit,memory", "psi_star": "memory,unit", "kept": "memory",
                   "phi_empirical": "memory,memory", "phi_theory": "memory,memory",
                   "locations": "time,block,variable"},
             attrs={**{k: attrs[k] for k in KEYS}, "input_dim": d, "seq_length": s,
                    "accuracy": attrs["metrics"]["accuracy"],
                    "frobenius_error": agreement.frobenius,
                    "frobenius_relative": agreement.relative,
                    "operator_relative": agreement.operator_relative,
                    "operator_match": agreement.operator_match,
                    "residual_fraction": residual_fraction(hidden, memories),
                    "n_kept": int(memories.kept.sum()),
                    "provenance": provenance({"task": task, "analysis": analysis})})


MEMORY_METRICS = ["accuracy", "frobenius_error", "frobenius_relative", "operator_relative",
                  "operator_match", "residual_fraction", "n_kept"]


def variable_memory_table(*, memories: list[str], out: str) -> None:
    """One row per model × seed of a task: how well Φ_emp matches Φ, with its accuracy."""
    rows = []
    for path in memories:
        attrs = read_h5_attrs(path)
        rows.append({**{k: attrs[k] for k in KEYS}, **{m: attrs[m] for m in MEMORY_METRICS}})
    write_table(out, pd.DataFrame(rows), provenance({"metrics": MEMORY_METRICS}))


def figure_variable_memories(*, memories: list[str], task: str, max_models: int, pdf: str,
                             png: str) -> None:
    """The theory's Φ beside Ψ* W_hh Ψ of the first seed of each model (up to `max_models`)."""
    shown = {}
    for path in memories:
        attrs = read_h5_attrs(path)
        shown.setdefault(attrs["model"], (attrs, read_h5(path, ["phi_empirical", "phi_theory",
                                                                  "kept"])))
    fig = plot_variable_memories(list(shown.values())[:max_models],
                                 f"binding · {task}: W_hh in the variable-memory basis")
    save_figure(fig, pdf, png)


def figure_variable_locations(*, memories: str, task: str, pdf: str, png: str) -> None:
    """Which stored variable each memory block holds at each early step, for one model."""
    attrs = read_h5_attrs(memories)
    locations = read_h5(memories, ["locations"])["locations"]
    fig = plot_variable_locations(
        locations, attrs["seq_length"],
        f"binding · {task}: stored variables in the memory blocks "
        f"({attrs['model']} seed {attrs['seed']})")
    save_figure(fig, pdf, png)
