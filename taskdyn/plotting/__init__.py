"""Figures: each module draws one kind of figure from arrays or tables; `save_figure` writes it."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from taskdyn.io import atomic_path  # noqa: E402

plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 150, "axes.spines.top": False,
                     "axes.spines.right": False, "font.size": 9})

__all__ = ["save_figure", "plt"]


def save_figure(fig: matplotlib.figure.Figure, pdf: str | os.PathLike,
                png: str | os.PathLike) -> None:
    """Save `fig` as PDF and PNG (each atomically) and close it."""
    for path, fmt in ((pdf, "pdf"), (png, "png")):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, bbox_inches="tight")
    plt.close(fig)
