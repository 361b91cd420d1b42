"""Timing on a device: the wall clock of calls (waiting for queued GPU work), device names and
the matrix-multiply peak that training figures are compared with."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

CPU = torch.device("cpu")


def synchronise(device: torch.device) -> None:
    """Wait for the work queued on `device` (CUDA kernels run asynchronously; a CPU op is done
    when it returns)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_label(device: torch.device) -> str:
    """The device for a figure's size column: the CPU's thread count, or the GPU's name."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    return f"CPU, {torch.get_num_threads()} threads"


def usable_device(name: str) -> torch.device:
    """`name` ("cpu" or "cuda") as a device, or a ValueError saying why it is not usable here."""
    if name == "cuda" and not torch.cuda.is_available():
        why = ("this torch is built without CUDA" if torch.version.cuda is None
               else f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU")
        raise ValueError(f"--device cuda: CUDA is not usable here: {why}")
    return torch.device(name)


def timed(fn: Callable[[], object], repeats: int, warmup: int = 1,
          device: torch.device = CPU) -> list[float]:
    """Wall-clock seconds of `repeats` calls of `fn` after `warmup` untimed calls, each call
    timed until the work it queued on `device` is done."""
    for _ in range(warmup):
        fn()
    synchronise(device)
    runs = []
    for _ in range(repeats):
        tic = time.perf_counter()
        fn()
        synchronise(device)
        runs.append(time.perf_counter() - tic)
    return runs


def median_seconds(runs: list[float]) -> tuple[float, str, list[float]]:
    """A figure's value, unit and runs from timed seconds: `Figure(name, size, *median_seconds(runs))`."""
    return statistics.median(runs), "s", runs


def matmul_peak(m: int, k: int, n: int, repeats: int = 5, dtype=torch.float32,
                min_seconds: float = 0.2, device: torch.device = CPU) -> list[float]:
    """FLOP/s of `[m, k] @ [k, n]` on `device` in a tight loop, one figure per repeat."""
    a = torch.randn(m, k, dtype=dtype, device=device)
    b = torch.randn(k, n, dtype=dtype, device=device)
    torch.matmul(a, b)  # first-call costs (library load, GPU kernel selection)
    synchronise(device)
    rates = []
    for _ in range(repeats):
        count, elapsed, tic = 0, 0.0, time.perf_counter()
        while elapsed < min_seconds:
            for _ in range(20):
                torch.matmul(a, b)
            count += 20
            synchronise(device)
            elapsed = time.perf_counter() - tic
        rates.append(2.0 * m * k * n * count / elapsed)
    return rates
