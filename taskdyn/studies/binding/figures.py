"""Figure stages of the binding study: read its tables, draw with `taskdyn.plotting`, save."""

from __future__ import annotations

from taskdyn.io import read_table
from taskdyn.plotting import save_figure
from taskdyn.plotting.binding import (
    plot_accuracy_by_step,
    plot_embeddings,
    plot_experiment_comparison,
    plot_operator_spectra,
)
from taskdyn.plotting.topology import plot_distance_heatmaps, plot_persistence_diagrams
from taskdyn.studies.binding.jobs import COMPARED_METRICS, wide_metrics


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
