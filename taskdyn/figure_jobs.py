"""Pipeline figure stages: read results, draw with `taskdyn.plotting`, save PDF + PNG."""

from __future__ import annotations

import numpy as np

from taskdyn.analysis_jobs import SIMILARITY_MEASURES, model_id
from taskdyn.io import read_h5, read_h5_attrs, read_table
from taskdyn.plotting import save_figure
from taskdyn.plotting.decoding import plot_cross_time_decoding
from taskdyn.plotting.dynamics import plot_fixed_points, plot_spectra
from taskdyn.plotting.latents import plot_scree, plot_state_r2, plot_trajectory_overlay
from taskdyn.plotting.similarity import plot_similarity
from taskdyn.plotting.topology import plot_hidden_topology
from taskdyn.plotting.training import plot_learning_curves
from taskdyn.plotting.trials import plot_trials
from taskdyn.studies.splits import first_held_out, held_out, training


def _title(ident: dict) -> str:
    return f"{ident['study']} · {ident['task']} · {ident['model']} seed {ident['seed']}"


def figure_trials(*, evaluation: str, n_trials: int, pdf: str, png: str) -> None:
    """Example held-out trials of one model."""
    from taskdyn.analysis.pca import (  # scikit-learn loads here, for this job
        fit_pca,
        project,
    )

    arrays = read_h5(evaluation, ["inputs", "targets", "outputs", "hidden", "labels/split"])
    shown = first_held_out(arrays["labels/split"], n_trials)
    pcs = project(fit_pca(arrays["hidden"], 3), arrays["hidden"][shown])
    fig = plot_trials(arrays["inputs"][shown], arrays["targets"][shown],
                      arrays["outputs"][shown], pcs, _title(model_id(evaluation)))
    save_figure(fig, pdf, png)


def figure_learning_curves(*, histories: list[str], pdf: str, png: str) -> None:
    """Loss and accuracy against epoch for every model × seed of a task."""
    tables = {_history_name(path): read_table(path) for path in histories}
    save_figure(plot_learning_curves(tables, "learning curves"), pdf, png)


def _history_name(path: str) -> str:
    """'model/seedN' from results/<run>/models/<study>/<task>/<model>/seed<N>/history.csv."""
    parts = path.split("/")
    return f"{parts[-3]}/{parts[-2]}"


def figure_scree(*, pcas: list[str], pdf: str, png: str) -> None:
    """Scree curves of every model × seed of a task."""
    ratios = {}
    for path in pcas:
        ident = read_h5_attrs(path)
        ratios[f"{ident['model']}/seed{ident['seed']}"] = read_h5(
            path, ["explained_variance_ratio"])["explained_variance_ratio"]
    ident = read_h5_attrs(pcas[0])
    save_figure(plot_scree(ratios, f"{ident['study']} · {ident['task']} · PCA of latents"),
                pdf, png)


def figure_state_r2(*, table: str, pdf: str, png: str) -> None:
    """Heatmap of the pairwise affine state R²."""
    save_figure(plot_state_r2(read_table(table), "affine state R² (held-out trials)"), pdf, png)


def figure_trajectory_overlay(*, evaluations: list[str], analysis: dict, pdf: str, png: str,
                              n_trials: int = 3) -> None:
    """The reference network's (the first of `evaluations`) held-out trajectories on its top 3
    PCs, and each other network's mapped into its latent space by the affine map of state R²
    (`analysis`: its settings), fitted on the training and held-out trials."""
    from taskdyn.analysis.trajectory_overlay import (  # scikit-learn loads here, for this job
        aligned_trajectories,
    )

    reference, *others = evaluations
    arrays = read_h5(reference, ["hidden", "labels/split"])
    split = arrays["labels/split"]
    fit, shown = held_out(split) | training(split), first_held_out(split, n_trials)
    comparisons = []
    for path in others:
        other = read_h5(path, ["hidden", "labels/split"])
        if not np.array_equal(other["labels/split"], split):
            raise ValueError(f"{path} and {reference} were evaluated on different trials")
        aligned = aligned_trajectories(arrays["hidden"][fit], other["hidden"][fit],
                                       arrays["hidden"][shown], other["hidden"][shown],
                                       analysis["n_components"])
        comparisons.append({"name": _run_label(model_id(path)), "reference": aligned.reference,
                            "mapped": aligned.mapped, "r2": aligned.r2})
    ident = model_id(reference)
    latents = ("full latents" if analysis["n_components"] == "all"
               else f"top {analysis['n_components']} PCs")
    fig = plot_trajectory_overlay(
        _run_label(ident), comparisons,
        f"{ident['study']} · {ident['task']}: {len(shown)} held-out trials, affine-mapped into "
        f"{_run_label(ident)}'s latent space\n(map of the {latents}, fitted on training and "
        "held-out trials; its R² over them)")
    save_figure(fig, pdf, png)


def _run_label(ident: dict) -> str:
    return f"{ident['model']} seed {ident['seed']}"


def figure_fixed_points(*, fixed_points: str, evaluation: str, pdf: str, png: str,
                        n_trajectories: int = 20) -> None:
    """Fixed points over held-out trajectories in the top-3 PC space of the model's states,
    beside the log10 q* histogram of the finder's candidates with its cut."""
    from taskdyn.analysis.pca import (  # scikit-learn loads here, for this job
        fit_pca,
        project,
    )

    arrays = read_h5(evaluation, ["hidden", "labels/split"])
    fp = read_h5(fixed_points, ["xstar", "is_stable", "qstar", "candidate_qstar"])
    pca = fit_pca(arrays["hidden"], 3)
    shown = first_held_out(arrays["labels/split"], n_trajectories)
    trajectories = project(pca, arrays["hidden"][shown])
    points = project(pca, fp["xstar"]) if len(fp["xstar"]) else np.zeros((0, 3))
    ident = model_id(evaluation)
    fig = plot_fixed_points(trajectories, points, fp["is_stable"].astype(bool),
                            f"fixed points · {_title(ident)}", qstar=fp["qstar"],
                            candidate_qstar=fp["candidate_qstar"],
                            q_thresh=read_h5_attrs(fixed_points)["q_thresh"])
    save_figure(fig, pdf, png)


def figure_spectra(*, spectra: str, pdf: str, png: str) -> None:
    """Eigenvalues of the recurrent weights and fixed-point Jacobians."""
    arrays = read_h5(spectra)
    attrs = read_h5_attrs(spectra)
    is_stable = arrays.get("is_stable")
    fig = plot_spectra(arrays.get("weight_eigvals"), attrs.get("weight"),
                       arrays.get("jacobian_eigvals"),
                       is_stable.astype(bool) if is_stable is not None else None,
                       f"spectra · {_title(attrs)}")
    save_figure(fig, pdf, png)


def figure_similarity(*, pairs: str, embedding: str, pdf: str, png: str) -> None:
    """Matrices and MDS maps of every similarity measure of a task."""
    table = read_table(pairs)
    fig = plot_similarity(table, read_table(embedding), SIMILARITY_MEASURES,
                          f"{table['task'].iloc[0]}: model similarity")
    save_figure(fig, pdf, png)


def figure_label_decoding(*, table: str, pdf: str, png: str) -> None:
    """Cross-time decoding matrices of one model's decoded labels."""
    decoding = read_table(table)
    first = decoding.iloc[0]
    save_figure(plot_cross_time_decoding(decoding, f"cross-time decoding · {_title(first)}"),
                pdf, png)


def figure_hidden_topology(*, diagrams: str, distances: str, pdf: str, png: str) -> None:
    """Persistence diagrams of a task's networks' hidden states and the distances between them."""
    table = read_table(diagrams)
    fig = plot_hidden_topology(table, read_table(distances),
                               f"{table['task'].iloc[0]}: hidden-state topology (Rips)")
    save_figure(fig, pdf, png)
