"""The training loop of every study: epochs, checkpoint/resume, preemption, divergence.

Reads top to bottom: settings → optimiser → resume → one loop from the resumed epoch → history.
What a study changes is its `TrainingHooks`: each epoch's batches (a sampler over a fixed
dataset, or data drawn online), the loss (which may read the epoch and draw from the loop's
generator), what follows each optimiser step (a curriculum) and the history row at an epoch's
end (validation, an evaluation, or no row). `EpochHooks` are the hooks of a fixed dataset.

With `patience` > 0 the loop stops once the validation loss (a row's `val_loss`) has not fallen
for `patience` epochs in a row, and the model ends with the weights of its best validation
epoch; each row records `best_epoch`, the last row's epoch is where training stopped.

A checkpoint is written every `checkpoint_every` epochs (at epoch boundaries, with the hooks'
state and the losses not yet in a row, so a resumed run replays exactly what an uninterrupted
one does). SIGTERM and SIGUSR1 (SLURM's pre-timeout warning) stop the loop after the current
batch with `Interrupted`; the retried job resumes from the last checkpoint.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import torch

from taskdyn import runinfo
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
    lr_final: float | None = None  # cosine decay from `lr` (epoch 1) to this (last epoch)
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    epochs: int = 100
    batch_size: int = 64
    checkpoint_every: int = 1
    device: str = "auto"
    patience: int = 0  # epochs without a lower validation loss before stopping (0: never stop)
    # stop at the first epoch whose history row reaches every one of these values (e.g. the wm
    # paper's rule, {train_accuracy: 0.95, novel_angle_accuracy: 0.9}), keeping its weights
    stop_at: dict[str, float] = field(default_factory=dict)
    # Adam's fused kernel: one pass per parameter, not one per operation (the same maths up to
    # rounding); it pays where most parameters are large embedding matrices
    fused_adam: ClassVar[bool] = False

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> Self:
        """The settings named in `cfg`; other keys (a model's `type`, ...) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in cfg.items() if k in known})


def resolve_device(requested: str) -> torch.device:
    """'auto' → CUDA when usable, else CPU; a CUDA request on a machine without one falls back
    (noted, with the device, in the job's `taskdyn.runinfo` record)."""
    device = torch.device("cpu")
    if requested in ("auto", "cuda") and torch.cuda.is_available():
        device = torch.device("cuda")
    elif requested == "cuda":
        log.warning("a GPU was requested but CUDA is not usable here; training on the CPU")
    runinfo.note_device(requested, device)
    return device


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


def tensors(arrays: Mapping[str, np.ndarray],
            device: torch.device | str | None = None) -> dict[str, torch.Tensor]:
    """The numeric arrays of `arrays` as tensors (on `device`); strings and objects are left out."""
    return {k: torch.as_tensor(v, device=device) for k, v in arrays.items()
            if v.dtype.kind in "fiub"}


class TrainingHooks(ABC):
    """What a study changes in the training loop (`train`), called in this order.

    Once: `to(device)`, `load_state(state)` (from a checkpoint, {} on a fresh start) and, on a
    fresh start, `initial_row(model)`. Each epoch: `batches(epoch, rng)`; per batch
    `loss(model, batch, epoch, rng)`, the optimiser step, `after_step(batch, epoch)`; then
    `epoch_row(model, epoch, train_loss)`, where `train_loss` is the mean batch loss since the
    last row. At a checkpoint: `state()`. `timed` hooks' rows get the epoch's `seconds`.
    """

    timed = True

    def to(self, device: torch.device) -> None:
        """Move the hooks' data to the training device."""

    @abstractmethod
    def batches(self, epoch: int, rng: np.random.Generator) -> Iterable[Batch]:
        """One epoch's batches (drawn lazily: a curriculum may change them between steps)."""

    @abstractmethod
    def loss(self, model: torch.nn.Module, batch: Batch, epoch: int,
             rng: np.random.Generator) -> torch.Tensor:
        """The scalar loss of `batch`; it may depend on the epoch and draw from `rng`."""

    def after_step(self, batch: Batch, epoch: int) -> None:
        """Called after each optimiser step (a curriculum advances here)."""

    def initial_row(self, model: torch.nn.Module) -> dict[str, float] | None:
        """A history row before training (epoch 0), or None."""
        return None

    @abstractmethod
    def epoch_row(self, model: torch.nn.Module, epoch: int,
                  train_loss: float) -> dict[str, float] | None:
        """The history row of `epoch` (validation or evaluation scores), or None for no row."""

    def state(self) -> dict[str, Any]:
        """What a resumed run needs besides weights, optimiser and generator (a curriculum's
        stage)."""
        return {}

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Restore what `state` returned."""


class EpochHooks(TrainingHooks):
    """Epochs over the fixed `train` tensors: batches of the trial indices `sampler(rng)` draws,
    the loss `loss_fn(model, batch, epoch, rng)` (it may depend on the epoch, a ramped term, and
    draw from the loop's generator, online noise) and `metrics_fn(model, val)` every epoch,
    without gradients, as the row's `val_<metric>`."""

    def __init__(self, train: Batch, val: Batch, loss_fn: EpochLossFn, metrics_fn: MetricsFn,
                 sampler: Sampler):
        self.train, self.val = train, val
        self.loss_fn, self.metrics_fn, self.sampler = loss_fn, metrics_fn, sampler
        self.device: torch.device | None = None

    def to(self, device):
        self.device = device
        self.train = {k: v.to(device) for k, v in self.train.items()}
        self.val = {k: v.to(device) for k, v in self.val.items()}

    def batches(self, epoch, rng):
        for idx in self.sampler(rng):
            index = torch.as_tensor(idx, device=self.device)
            yield {k: v[index] for k, v in self.train.items()}

    def loss(self, model, batch, epoch, rng):
        return self.loss_fn(model, batch, epoch, rng)

    def epoch_row(self, model, epoch, train_loss):
        model.eval()
        with torch.no_grad():
            metrics = self.metrics_fn(model, self.val)
        return {"epoch": epoch, "train_loss": train_loss,
                **{f"val_{k}": float(v) for k, v in metrics.items()}}


@dataclass
class EarlyStopping:
    """Stop after `patience` epochs without a lower validation loss, keeping the best weights;
    or at the first epoch whose row reaches every value of `criterion`, keeping its weights."""

    patience: int
    criterion: dict[str, float] = field(default_factory=dict)
    best_loss: float = math.inf
    best_epoch: int = 0
    best_state: dict[str, torch.Tensor] | None = None
    waited: int = 0
    stopped: bool = False

    def update(self, row: dict[str, float], model: torch.nn.Module, epoch: int) -> None:
        """Track the best `row["val_loss"]` (copying the weights), check the criterion, and
        annotate `row`."""
        if self.criterion:
            self._check_criterion(row, epoch)
            if self.stopped:
                self.best_state = None  # the criterion's epoch keeps its own weights
                return
        if self.patience <= 0 or "val_loss" not in row:
            return
        if row["val_loss"] < self.best_loss:
            self.best_loss, self.best_epoch, self.waited = row["val_loss"], epoch, 0
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            self.waited += 1
            self.stopped = self.waited >= self.patience
        row["best_epoch"] = self.best_epoch
        if self.stopped:
            log.info("early stop after epoch %d: no lower validation loss since epoch %d",
                     epoch, self.best_epoch)

    def _check_criterion(self, row: dict[str, float], epoch: int) -> None:
        missing = sorted(set(self.criterion) - set(row))
        if missing:
            raise ValueError(f"train.stop_at names {missing}, which the history rows do not "
                             f"have; they have {sorted(row)}")
        if all(row[k] >= v for k, v in self.criterion.items()):
            self.stopped = True
            log.info("stop after epoch %d: %s reached", epoch,
                     ", ".join(f"{k} {row[k]:.4f} >= {v}" for k, v in self.criterion.items()))

    def restore(self, model: torch.nn.Module) -> None:
        """Load the best validation epoch's weights into `model` (if any were tracked)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)

    def state(self) -> dict[str, Any]:
        """What a resumed run needs to stop at the same epoch with the same weights."""
        return {k: getattr(self, k) for k in ("best_loss", "best_epoch", "best_state", "waited",
                                              "stopped")}


def train(model: torch.nn.Module, hooks: TrainingHooks, settings: TrainSettings, *, seed: int,
          checkpoint: str | Path, cfg_hash: str, label: str) -> list[dict[str, float]]:
    """Train `model` as `hooks` say; return the history (one row per `epoch_row` given).

    The loop's generator is seeded with `seed`; `checkpoint` is resumed from when it was written
    for `cfg_hash`; `label` names the job in errors (study, task, model, seed). With
    `settings.patience` it stops early and returns with the best validation epoch's weights;
    with `settings.stop_at`, at the first epoch that reaches the criterion, with its weights.
    """
    device = resolve_device(settings.device)
    model.to(device)
    hooks.to(device)
    optimizer = Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay,
                     fused=settings.fused_adam or None)
    rng = np.random.default_rng(seed)
    start, history, extra = resume(checkpoint, model=model, optimizer=optimizer, rng=rng,
                                   cfg_hash=cfg_hash)
    hooks.load_state(extra)
    pending = list(extra.get("pending_losses", []))  # batch losses not yet in a row
    stopper = EarlyStopping(settings.patience, settings.stop_at,
                            **extra.get("early_stopping", {}))
    if start == 0 and (row := hooks.initial_row(model)) is not None:
        history.append(row)

    with interruptible() as received:
        for epoch in range(start + 1, settings.epochs + 1):
            if stopper.stopped:  # resumed from the checkpoint written where training stopped
                break
            tic = time.perf_counter()
            for group in optimizer.param_groups:
                group["lr"] = epoch_lr(epoch, settings)
            model.train()
            for batch in hooks.batches(epoch, rng):
                loss = hooks.loss(model, batch, epoch, rng)
                pending.append(optimiser_step(model, optimizer, loss, settings.grad_clip,
                                              label=label, epoch=epoch))
                hooks.after_step(batch, epoch)
                check_interrupt(received, label, epoch, checkpoint)
            row = hooks.epoch_row(model, epoch, float(np.mean(pending)))
            if row is not None:
                if hooks.timed:
                    row["seconds"] = time.perf_counter() - tic
                stopper.update(row, model, epoch)
                history.append(checked_row(row, label, epoch))
                pending = []
            if checkpoint_due(epoch, settings) or stopper.stopped:
                save_checkpoint(checkpoint, epoch=epoch, model=model, optimizer=optimizer,
                                rng=rng, cfg_hash=cfg_hash, history=history,
                                extra={"pending_losses": pending, **hooks.state(),
                                       "early_stopping": stopper.state()})
    stopper.restore(model)
    model.to("cpu")
    return history


def epoch_lr(epoch: int, settings: TrainSettings) -> float:
    """The learning rate of `epoch` (from 1): `settings.lr` throughout, or with `lr_final` a
    cosine from `lr` at the first epoch to `lr_final` at the last (a function of the epoch
    alone, so a resumed run follows the same schedule)."""
    if settings.lr_final is None or settings.epochs <= 1:
        return settings.lr
    progress = (epoch - 1) / (settings.epochs - 1)
    return settings.lr_final + 0.5 * (settings.lr - settings.lr_final) * (
        1 + math.cos(math.pi * progress))


def checked_row(row: dict[str, float], label: str, epoch: int) -> dict[str, float]:
    """`row`, logged, after checking that its validation loss (if any) is finite."""
    if not math.isfinite(row.get("val_loss", 0.0)):
        raise Diverged(f"{label}: validation loss is not finite at epoch {epoch}")
    log.info("epoch %d %s", epoch, {k: round(v, 6) for k, v in row.items()})
    return row


def checkpoint_due(epoch: int, settings: TrainSettings) -> bool:
    """Whether a checkpoint is written after `epoch`: every `checkpoint_every` and the last."""
    return epoch % settings.checkpoint_every == 0 or epoch == settings.epochs


def fit(model: torch.nn.Module, train_set: Batch, val: Batch, loss_fn: LossFn,
        metrics_fn: MetricsFn, settings: TrainSettings, *, seed: int, checkpoint: str | Path,
        cfg_hash: str, label: str) -> list[dict[str, float]]:
    """`train` on the fixed `train_set` tensors: every trial once per epoch, shuffled, in batches
    of `settings.batch_size`; `loss_fn(model, batch)` the loss, `metrics_fn(model, val)` the
    validation metrics of each epoch's row."""
    n_trials = next(iter(train_set.values())).shape[0]
    hooks = EpochHooks(train_set, val, lambda m, batch, epoch, rng: loss_fn(m, batch),
                       metrics_fn, shuffled_batches(n_trials, settings.batch_size))
    return train(model, hooks, settings, seed=seed, checkpoint=checkpoint, cfg_hash=cfg_hash,
                 label=label)

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
