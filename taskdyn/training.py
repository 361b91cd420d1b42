"""The training loop: epochs over a fixed dataset, checkpoint/resume, preemption, divergence.

Reads top to bottom: settings → optimiser → resume → one loop from the resumed epoch → history.
A checkpoint is written every `checkpoint_every` epochs (at epoch boundaries, so a resumed run
replays exactly what an uninterrupted one does). SIGTERM and SIGUSR1 (SLURM's pre-timeout
warning) stop the loop after the current batch with `Interrupted`; the retried job resumes
from the last checkpoint.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Self

import numpy as np
import torch

from taskdyn.checkpoint import resume, save_checkpoint
from taskdyn.optim import Adam

log = logging.getLogger(__name__)

Batch = Mapping[str, torch.Tensor]
LossFn = Callable[[torch.nn.Module, Batch], torch.Tensor]
MetricsFn = Callable[[torch.nn.Module, Batch], dict[str, float]]
EpochLossFn = Callable[[torch.nn.Module, Batch, int, np.random.Generator], torch.Tensor]
Sampler = Callable[[np.random.Generator], list[np.ndarray]]
INTERRUPT_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class Diverged(RuntimeError):
    """The training loss became NaN or infinite."""


class Interrupted(RuntimeError):
    """Training stopped on a signal; the last checkpoint holds the state to resume from."""


def optimiser_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss: torch.Tensor,
                   grad_clip: float, *, label: str, epoch: int) -> float:
    """One checked update: stop on a non-finite loss, backpropagate, clip, step; return the loss."""
    if not torch.isfinite(loss):
        raise Diverged(f"{label}: training diverged at epoch {epoch} (loss {loss.item()})")
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return loss.item()


def check_interrupt(received: Mapping[str, int], label: str, epoch: int,
                    checkpoint: str | Path) -> None:
    """Raise `Interrupted` if `interruptible()` recorded a signal."""
    if received:
        raise Interrupted(f"{label}: stopped by signal {received['signal']} in epoch {epoch}; "
                          f"rerun to resume from {checkpoint}")


@dataclass
class TrainSettings:
    """Optimisation settings of one training job (the study's `train` config slice). Studies
    with more settings or other defaults subclass it and inherit `from_config`."""

    lr: float = 1e-3
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    epochs: int = 100
    batch_size: int = 64
    checkpoint_every: int = 1
    device: str = "auto"

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Self:
        """The settings named in `cfg`; other keys (a model's `type`, ...) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in cfg.items() if k in known})


def resolve_device(requested: str) -> torch.device:
    """'auto' → CUDA when usable, else CPU; a CUDA request on a machine without one falls back."""
    if requested in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    if requested == "cuda":
        log.warning("a GPU was requested but CUDA is not usable here; training on the CPU")
    return torch.device("cpu")


@contextlib.contextmanager
def interruptible() -> Iterator[dict[str, int]]:
    """Record SIGTERM/SIGUSR1 in the yielded dict instead of dying, for a clean stop."""
    received: dict[str, int] = {}

    def handler(signum, _frame):
        received["signal"] = signum

    previous = {sig: signal.signal(sig, handler) for sig in INTERRUPT_SIGNALS}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def fit(model: torch.nn.Module, train: Batch, val: Batch, loss_fn: LossFn, metrics_fn: MetricsFn,
        settings: TrainSettings, *, seed: int, checkpoint: str | Path, cfg_hash: str,
        label: str) -> list[dict[str, float]]:
    """Train `model` on the fixed `train` tensors; return one history row per epoch.

    `train`/`val` map names to tensors whose first axis is the trial. `loss_fn(model, batch)`
    returns the scalar loss; `metrics_fn(model, batch)` the validation metrics (run without
    gradients). `label` names the job in errors (study, task, model, seed). Every trial is
    seen once per epoch, shuffled, in batches of `settings.batch_size`.
    """
    n_trials = next(iter(train.values())).shape[0]
    return fit_epochs(model, train, val, lambda m, batch, epoch, rng: loss_fn(m, batch),
                      metrics_fn, shuffled_batches(n_trials, settings.batch_size), settings,
                      seed=seed, checkpoint=checkpoint, cfg_hash=cfg_hash, label=label)


def fit_epochs(model: torch.nn.Module, train: Batch, val: Batch, loss_fn: EpochLossFn,
               metrics_fn: MetricsFn, sampler: Sampler, settings: TrainSettings, *, seed: int,
               checkpoint: str | Path, cfg_hash: str, label: str) -> list[dict[str, float]]:
    """`fit` with the batches drawn by `sampler(rng)` (one epoch's trial-index arrays) and a
    loss `loss_fn(model, batch, epoch, rng)` that may depend on the epoch (a ramped term) and
    draw from the loop's generator (online noise); both resume exactly from a checkpoint."""
    device = resolve_device(settings.device)
    model.to(device)
    train = {k: v.to(device) for k, v in train.items()}
    val = {k: v.to(device) for k, v in val.items()}
    optimizer = Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    rng = np.random.default_rng(seed)
    start, history, _ = resume(checkpoint, model=model, optimizer=optimizer, rng=rng,
                               cfg_hash=cfg_hash)

    with interruptible() as received:
        for epoch in range(start + 1, settings.epochs + 1):
            tic = time.perf_counter()
            model.train()
            losses = []
            for idx in sampler(rng):
                index = torch.as_tensor(idx, device=device)
                loss = loss_fn(model, {k: v[index] for k, v in train.items()}, epoch, rng)
                losses.append(optimiser_step(model, optimizer, loss, settings.grad_clip,
                                             label=label, epoch=epoch))
                check_interrupt(received, label, epoch, checkpoint)
            model.eval()
            with torch.no_grad():
                metrics = metrics_fn(model, val)
            row = {"epoch": epoch, "train_loss": float(np.mean(losses)),
                   **{f"val_{k}": float(v) for k, v in metrics.items()},
                   "seconds": time.perf_counter() - tic}
            if not math.isfinite(row.get("val_loss", 0.0)):
                raise Diverged(f"{label}: validation loss is not finite at epoch {epoch}")
            history.append(row)
            log.info("epoch %d %s", epoch, {k: round(v, 6) for k, v in row.items()})
            if epoch % settings.checkpoint_every == 0 or epoch == settings.epochs:
                save_checkpoint(checkpoint, epoch=epoch, model=model, optimizer=optimizer,
                                rng=rng, cfg_hash=cfg_hash, history=history)
    model.to("cpu")
    return history


def shuffled_batches(n_trials: int, batch_size: int) -> Sampler:
    """Every trial once per epoch, shuffled, in batches of `batch_size`."""
    def sampler(rng: np.random.Generator) -> list[np.ndarray]:
        order = rng.permutation(n_trials)
        return [order[i : i + batch_size] for i in range(0, n_trials, batch_size)]
    return sampler


def grouped_batches(groups: np.ndarray, batch_size: int) -> Sampler:
    """Every trial once per epoch in single-group batches (groups shuffled within and across)."""
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]

    def sampler(rng: np.random.Generator) -> list[np.ndarray]:
        batches = []
        for idx in members:
            idx = rng.permutation(idx)
            batches += [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
        return [batches[i] for i in rng.permutation(len(batches))]
    return sampler
