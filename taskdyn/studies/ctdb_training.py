"""The training loop of the MultiTask and RandomTarget kinds: custom batches, epoch-aware loss.

`taskdyn.training.fit` shuffles all trials together and its loss sees only the batch; MultiTask
draws each batch from one subtask and RandomTarget ramps its position term in over epochs, so
this loop takes a batch sampler and passes the epoch (and the loop's generator, for online
noise) to the loss. The update, interrupt check and checkpoint/resume are `fit`'s own.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from taskdyn.checkpoint import resume, save_checkpoint
from taskdyn.training import (Diverged, TrainSettings, check_interrupt, interruptible,
                              optimiser_step, resolve_device)

log = logging.getLogger(__name__)

Batch = Mapping[str, torch.Tensor]
EpochLossFn = Callable[[torch.nn.Module, Batch, int, np.random.Generator], torch.Tensor]
MetricsFn = Callable[[torch.nn.Module, Batch], dict[str, float]]
Sampler = Callable[[np.random.Generator], list[np.ndarray]]


def fit_epochs(model: torch.nn.Module, train: Batch, val: Batch, loss_fn: EpochLossFn,
               metrics_fn: MetricsFn, sampler: Sampler, settings: TrainSettings, *, seed: int,
               checkpoint: str | Path, cfg_hash: str, label: str) -> list[dict[str, float]]:
    """Train `model`; return one history row per epoch (the columns `fit` writes).

    `sampler(rng)` returns one epoch's batches as trial-index arrays; `loss_fn(model, batch,
    epoch, rng)` the scalar loss; `metrics_fn(model, val)` the validation metrics.
    """
    device = resolve_device(settings.device)
    model.to(device)
    train = {k: v.to(device) for k, v in train.items()}
    val = {k: v.to(device) for k, v in val.items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr,
                                 weight_decay=settings.weight_decay)
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
