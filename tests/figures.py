"""What a figure shows, for tests: the figures a job saves, their panels, and their legends.

A figure job draws and saves (`taskdyn.plotting.save_figure`); `drawn_figure(job, ...)` runs it
and returns the matplotlib Figure it saved, so a test can check its panels (titles, axis labels,
legend entries, plotted lines, points, bars and images) rather than the size of a file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

COLORBAR = "<colorbar>"  # the label matplotlib gives a colour bar's axes


@contextmanager
def saved_figures() -> Iterator[list[Figure]]:
    """The figures saved inside the block, each once in the order first saved; they stay
    inspectable after `save_figure` closes them."""
    saved: list[Figure] = []
    savefig = Figure.savefig

    def recording(self: Figure, *args: Any, **kwargs: Any) -> Any:
        if not any(figure is self for figure in saved):
            saved.append(self)
        return savefig(self, *args, **kwargs)

    Figure.savefig = recording
    try:
        yield saved
    finally:
        Figure.savefig = savefig


def drawn_figure(job: Callable[..., None], **kwargs: Any) -> Figure:
    """The one figure `job(**kwargs)` saves."""
    with saved_figures() as saved:
        job(**kwargs)
    assert len(saved) == 1, f"{job.__name__} saved {len(saved)} figures"
    return saved[0]


def panels(fig: Figure) -> list[Axes]:
    """The figure's visible data axes (its subfigures' too), colour bars left out."""
    return [ax for ax in _all_axes(fig) if ax.get_visible() and ax.get_label() != COLORBAR]


def colorbars(fig: Figure) -> list[Axes]:
    """The figure's colour-bar axes."""
    return [ax for ax in _all_axes(fig) if ax.get_label() == COLORBAR]


def _all_axes(fig: Figure) -> list[Axes]:
    axes = list(fig.axes)
    for sub in fig.subfigs:
        axes += _all_axes(sub)
    return axes


def legend_labels(owner: Axes | Figure) -> list[str]:
    """The entries of the legend of an axes (or all of a figure's own legends), in order."""
    legends = [owner.get_legend()] if isinstance(owner, Axes) else owner.legends
    return [text.get_text() for legend in legends if legend is not None
            for text in legend.get_texts()]


def labelled_lines(ax: Axes) -> list:
    """The lines of an axes drawn with a label (curves, not reference lines or markers)."""
    return [line for line in ax.lines if not line.get_label().startswith("_")]


def suptitle(fig: Figure) -> str:
    """The figure's overall title ('' when it has none)."""
    return fig.get_suptitle()


def texts(ax: Axes) -> list[str]:
    """The text annotations drawn inside an axes."""
    return [text.get_text() for text in ax.texts]
