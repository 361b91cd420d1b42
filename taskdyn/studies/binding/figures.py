"""Binding figure stages: read the study's tables, draw (with `taskdyn.plotting` or here), save."""

from __future__ import annotations

import numpy as np

from taskdyn.analysis.topology import PersistenceImages, finite_bars, nearest_to_mean
from taskdyn.io import read_table
from taskdyn.plotting import plt, save_figure
from taskdyn.plotting.binding import (
    plot_accuracy_by_step,
    plot_embeddings,
    plot_experiment_comparison,
    plot_operator_spectra,
)
from taskdyn.plotting.topology import plot_distance_heatmaps, plot_persistence_diagrams
from taskdyn.studies.binding.jobs import COMPARED_METRICS, image_sets, wide_metrics


def figure_spectra(*, eigenvalues_table: str, models_table: str, task: str, max_panels: int,
                   pdf: str, png: str) -> None:
    """Learned (W_hh) against theoretical (Φ) eigenvalues with the unit circle, per model."""
    fig = plot_operator_spectra(read_table(eigenvalues_table), wide_metrics([models_table]),
                                max_panels,
                                f"binding · {task}: W_hh eigenvalues against the task operator")
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


def figure_distances(*, distances_table: str, pdf: str, png: str) -> None:
    """Heatmaps of pairwise Wasserstein and bottleneck distances between models' diagrams."""
    fig = plot_distance_heatmaps(read_table(distances_table),
                                 "binding: distances between persistence diagrams")
    save_figure(fig, pdf, png)


def figure_comparison(*, models_tables: list[str], tests_table: str, pdf: str, png: str) -> None:
    """Spectral radius, unit-circle count, accuracy and spectral error per task (experiment)."""
    fig = plot_experiment_comparison(wide_metrics(models_tables), read_table(tests_table),
                                     COMPARED_METRICS, "binding: experiments compared")
    save_figure(fig, pdf, png)
