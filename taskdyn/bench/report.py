"""Benchmark figures, and how they are reported: one table row each, and one JSON file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import device_label
from taskdyn.io import write_json


@dataclass
class Figure:
    """One benchmark figure: the median of `runs` in `unit`, at the stated `size`."""

    name: str
    size: str
    value: float
    unit: str
    runs: list[float] = field(default_factory=list)
    note: str = ""


def format_row(figure: Figure) -> str:
    """One table line: name, median and unit, size, note."""
    return f"{figure.name:<40} {figure.value:>12.4g} {figure.unit:<14} {figure.size}  {figure.note}"


def write_results(path: str | Path, figures: list[Figure], sizes: Sizes) -> None:
    """The figures as JSON, with the sizes, torch version, thread count and training device."""
    write_json(path, {"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "device": device_label(sizes.training_device),
                      "sizes": asdict(sizes), "figures": [asdict(f) for f in figures]})
