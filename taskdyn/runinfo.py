"""What a training job actually ran: the device, the kernels, torch's threads, native builds.

Config says what was asked (`device: auto`, `kernel: auto`); the code that resolves it notes
what it chose here (`note_device`, `note_kernel`, `note_native`) while a `recording()` is
active, and the job writes the record into the model's `meta.json`. Outside a recording the
notes cost one context-variable lookup and are dropped.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

_ACTIVE: contextvars.ContextVar[RunInfo | None] = contextvars.ContextVar("runinfo", default=None)


@dataclass
class RunInfo:
    """The device, kernels and native libraries one job used."""

    device: dict[str, Any] = field(default_factory=dict)
    kernels: set[str] = field(default_factory=set)
    native: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON record: device, sorted kernels ('torch' for models without a kernel choice,
        which run PyTorch's own modules), torch's CPU threads, native builds."""
        return {"device": self.device, "kernels": sorted(self.kernels) or ["torch"],
                "threads": torch.get_num_threads(), "native": self.native}


@contextlib.contextmanager
def recording() -> Iterator[RunInfo]:
    """Collect the notes made inside the block into the yielded `RunInfo`."""
    info = RunInfo()
    token = _ACTIVE.set(info)
    try:
        yield info
    finally:
        _ACTIVE.reset(token)


def device_name(device: torch.device) -> str:
    """'cpu', or 'cuda:0 (NVIDIA H100 80GB HBM3)': the device with its model name."""
    if device.type != "cuda":
        return str(device)
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


def note_device(requested: str, device: torch.device) -> None:
    """The device training resolved `requested` to; `fallback` when a GPU was asked for and
    the CPU runs."""
    if (info := _ACTIVE.get()) is not None:
        info.device = {"requested": requested, "ran": device_name(device),
                       "fallback": requested.startswith("cuda") and device.type != "cuda"}


def note_kernel(name: str) -> None:
    """A kernel that ran (e.g. 'gru sequence/native', 'vanilla fused/cudnn')."""
    if (info := _ACTIVE.get()) is not None:
        info.kernels.add(name)


def note_native(name: str, build: dict[str, Any]) -> None:
    """A native library `name` that ran, with its build record (flags, compiler, path)."""
    if (info := _ACTIVE.get()) is not None and name not in info.native:
        info.native[name] = build
