"""Online curriculum training for the binding tasks: fresh batches every step, horizons that grow.

The loop is `taskdyn.training.train`'s with `CurriculumHooks`: each epoch draws
`steps_per_epoch` fresh batches at the current horizon; after every step whose batch sign
accuracy reaches `threshold`, the horizon moves to the next entry of `horizons` (checked every
step, as in the anchor); each epoch's row validates at the test horizon. Checkpoints store the
stage beside the data generator's state, so a resumed run replays an uninterrupted one exactly.
`train_curriculum_seeds` runs the same hooks for K seeds as one batched computation.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from taskdyn.checkpoint import resume, save_checkpoint
from taskdyn.optim import Adam
from taskdyn.seed_batch import SeedStack, clip_per_seed
from taskdyn.studies.binding import DEFAULT_HORIZONS
from taskdyn.tasks.binding import generate_seed_trials, generate_trials
from taskdyn.training import (
    Batch,
    Diverged,
    TrainingHooks,
    TrainSettings,
    check_interrupt,
    checked_row,
    checkpoint_due,
    interruptible,
    resolve_device,
    tensors,
    train,
)

log = logging.getLogger(__name__)


@dataclass
class CurriculumSettings(TrainSettings):
    """Optimisation and curriculum settings (the study's `train` slice); anchor defaults."""

    epochs: int = 20
    steps_per_epoch: int = 2000
    horizons: list[int] = field(default_factory=lambda: list(DEFAULT_HORIZONS))
    threshold: float = 0.96

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> CurriculumSettings:
        """Settings from a `train` config slice (its `curriculum` sub-mapping flattened in)."""
        return super().from_config({**{k: v for k, v in cfg.items() if k != "curriculum"},
                                    **cfg.get("curriculum", {})})


@dataclass
class OnlineTask:
    """Draws training batches from the task's operators (the dataset's `operator` split)."""

    operators: np.ndarray
    seq_lengths: np.ndarray
    use_eos: bool

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> OnlineTask:
        """From the dataset's `operator` split: `matrices`, `seq_length`, `use_eos`."""
        return cls(arrays["matrices"], arrays["seq_length"], bool(arrays["use_eos"]))

    def batch(self, horizon: int, batch_size: int, rng: np.random.Generator,
              device: torch.device) -> dict[str, torch.Tensor]:
        """One batch of `batch_size` fresh trials with `horizon` output steps."""
        arrays = generate_trials(self.operators, self.seq_lengths, horizon, batch_size,
                                 self.use_eos, rng)
        return _on_device(arrays, device)

    def seed_batch(self, horizons: Sequence[int], batch_size: int,
                   rngs: Sequence[np.random.Generator],
                   device: torch.device) -> dict[str, torch.Tensor]:
        """`batch` for K seeds at once, stacked on a leading seed axis: seed k's batch drawn
        from `rngs[k]` at `horizons[k]`, zero-padded in time to the longest horizon."""
        arrays = generate_seed_trials(self.operators, self.seq_lengths, horizons, batch_size,
                                      self.use_eos, rngs)
        return _on_device(arrays, device)


def _on_device(arrays: Mapping[str, np.ndarray], device: torch.device) -> dict[str, torch.Tensor]:
    """The arrays the model and loss read, as tensors on `device`."""
    return tensors({k: v for k, v in arrays.items() if k != "seq_length"}, device)


class _MaskedMSE(torch.autograd.Function):
    """`masked_loss` with its gradient formed in one pass (autograd's chain of element-wise ops
    over [seed, trial, time, bit] cost a seed-batched step at horizon 100 several ms)."""

    @staticmethod
    def forward(ctx, outputs, targets, mask):
        diff = outputs - targets
        weighted = diff * mask.unsqueeze(-1)
        scale = 1 / (mask.sum((-2, -1)) * outputs.shape[-1])
        lead = outputs.dim() - 3
        ctx.save_for_backward(weighted, scale)
        return torch.linalg.vecdot(diff.flatten(lead), weighted.flatten(lead)) * scale

    @staticmethod
    def backward(ctx, grad):
        weighted, scale = ctx.saved_tensors
        return weighted * (2 * grad * scale)[..., None, None, None], None, None


def masked_loss(outputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE over the output steps (`mask [trial, time]` = 1), averaged over steps and bits; one
    per leading (seed) index when the tensors have one."""
    return _MaskedMSE.apply(outputs, targets, mask)


def sign_correct(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """`[trial, time]` fraction of bits whose sign is right (an output ≥ 0 counts as +1)."""
    return (torch.where(outputs >= 0, 1.0, -1.0) == targets).float().mean(dim=-1)


def masked_accuracy(outputs: torch.Tensor, targets: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
    """Fraction of output bits on the output steps whose sign is right (per leading index):
    `sign_correct` averaged over the mask, counted on booleans (targets there are ±1)."""
    bits_right = ((outputs >= 0) == (targets > 0)).sum(-1, dtype=outputs.dtype)
    return (torch.linalg.vecdot(bits_right.flatten(-2), mask.flatten(-2))
            / (mask.sum((-2, -1)) * outputs.shape[-1]))


def horizon_mask(batch: Mapping[str, torch.Tensor], horizon: int) -> torch.Tensor:
    """The batch's output mask cut to its first `horizon` output steps."""
    mask = batch["mask"]
    return mask * (mask.cumsum(dim=1) <= horizon)


class CurriculumHooks(TrainingHooks):
    """The horizon curriculum as training hooks: online batches at the current horizon, the
    masked MSE, the stage advanced after each step, validation at the test horizon."""

    def __init__(self, task: OnlineTask, val: Batch, settings: CurriculumSettings):
        self.task, self.val, self.settings = task, val, settings
        self.stage = 0
        self.accuracies: list[float] = []  # batch sign accuracies since the last row
        self.device: torch.device | None = None
        self._outputs: torch.Tensor | None = None

    @property
    def horizon(self) -> int:
        """The current training horizon."""
        return self.settings.horizons[self.stage]

    def to(self, device):
        self.device = device
        self.val = {k: v.to(device) for k, v in self.val.items()}

    def batches(self, epoch, rng):
        for _ in range(self.settings.steps_per_epoch):
            yield self.task.batch(self.horizon, self.settings.batch_size, rng, self.device)

    def loss(self, model, batch, epoch, rng):
        outputs, _ = model(batch["inputs"])
        self._outputs = outputs.detach()
        return masked_loss(outputs, batch["targets"], batch["mask"])

    def after_step(self, batch, epoch):
        self.record(masked_accuracy(self._outputs, batch["targets"], batch["mask"]).item(), epoch)

    def record(self, accuracy: float, epoch: int) -> None:
        """Note a step's batch accuracy; move to the next horizon if it reached the threshold."""
        self.accuracies.append(accuracy)
        if accuracy >= self.settings.threshold and self.stage < len(self.settings.horizons) - 1:
            self.stage += 1
            log.info("epoch %d: batch accuracy %.4f, horizon now %d", epoch, accuracy,
                     self.horizon)

    def epoch_row(self, model, epoch, train_loss):
        """Training means, validation at the test horizon and accuracy at the training one."""
        row = {"epoch": epoch, "horizon": self.horizon, "train_loss": train_loss,
               "train_accuracy": float(np.mean(self.accuracies)),
               **_validate(model, self.val, self.horizon)}
        self.accuracies = []
        return row

    def state(self):
        return {"stage": self.stage}

    def load_state(self, state):
        self.stage = state.get("stage", 0)


def train_curriculum(model: torch.nn.Module, task: OnlineTask, val: Mapping[str, torch.Tensor],
                     settings: CurriculumSettings, *, seed: int, checkpoint: str, cfg_hash: str,
                     label: str) -> list[dict[str, float]]:
    """Train on online batches with the horizon curriculum; one history row per epoch."""
    return train(model, CurriculumHooks(task, val, settings), settings, seed=seed,
                 checkpoint=checkpoint, cfg_hash=cfg_hash, label=label)


def _validate(model: torch.nn.Module, val: Mapping[str, torch.Tensor],
              horizon: int) -> dict[str, float]:
    """Validation loss and accuracy at the test horizon, and accuracy at the training horizon."""
    model.eval()
    with torch.no_grad():
        outputs, _ = model(val["inputs"])
        short = horizon_mask(val, horizon)
        return {"val_loss": masked_loss(outputs, val["targets"], val["mask"]).item(),
                "val_accuracy": masked_accuracy(outputs, val["targets"], val["mask"]).item(),
                "val_accuracy_train_horizon":
                    masked_accuracy(outputs, val["targets"], short).item()}


def train_curriculum_seeds(models: Sequence[torch.nn.Module], task: OnlineTask,
                           val: Mapping[str, torch.Tensor], settings: CurriculumSettings, *,
                           seeds: Sequence[int], checkpoints: Sequence[str], cfg_hash: str,
                           labels: Sequence[str]) -> list[list[dict[str, float]]]:
    """`train_curriculum` for one model per seed, as one batched computation (`SeedStack`).

    Each seed draws its own batches, keeps its own curriculum stage and writes its own
    checkpoints in the single-seed layout, so it follows its single-seed run up to float
    rounding and either kind of run can resume the other's. Batches of seeds at different
    horizons are zero-padded in time; the padding is masked out of loss and accuracy, and as
    the RNN is causal it changes nothing before it. Returns one history per seed.
    """
    device = resolve_device(settings.device)
    for model in models:
        model.to(device)
    hooks = [CurriculumHooks(task, val, settings) for _ in seeds]
    for seed_hooks in hooks:
        seed_hooks.to(device)
    rngs = [np.random.default_rng(seed) for seed in seeds]
    start, histories, optimizer_states = _resume_seeds(models, hooks, rngs, checkpoints,
                                                       settings, cfg_hash)
    stack = SeedStack(models)
    optimizer = _adam(stack.parameters(), settings)
    if start:
        stack.load_seed_optimizer_states(optimizer, optimizer_states)
    group = f"{labels[0]} (with {len(seeds) - 1} more seeds)"

    with interruptible() as received:
        for epoch in range(start + 1, settings.epochs + 1):
            tic = time.perf_counter()
            losses = []
            for _ in range(settings.steps_per_epoch):
                batch = task.seed_batch([h.horizon for h in hooks], settings.batch_size, rngs,
                                        device)
                outputs = stack(batch["inputs"])
                loss = masked_loss(outputs, batch["targets"], batch["mask"])
                accuracy = masked_accuracy(outputs.detach(), batch["targets"], batch["mask"])
                step_loss, accuracy = torch.stack([loss.detach(), accuracy]).tolist()
                bad = [k for k, value in enumerate(step_loss) if not math.isfinite(value)]
                if bad:
                    raise Diverged(f"{labels[bad[0]]}: training diverged at epoch {epoch} "
                                   f"(loss {step_loss[bad[0]]})")
                optimizer.zero_grad(set_to_none=True)
                loss.sum().backward()
                if settings.grad_clip > 0:
                    clip_per_seed(stack.parameters(), settings.grad_clip)
                optimizer.step()
                losses.append(step_loss)
                for seed_hooks, value in zip(hooks, accuracy, strict=True):
                    seed_hooks.record(value, epoch)
                check_interrupt(received, group, epoch, Path(checkpoints[0]).parent)
            stack.write_back()
            seconds = time.perf_counter() - tic
            for k, model in enumerate(models):
                row = hooks[k].epoch_row(model, epoch, float(np.mean([s[k] for s in losses])))
                histories[k].append(checked_row({**row, "seconds": seconds}, labels[k], epoch))
            if checkpoint_due(epoch, settings):
                for k, model in enumerate(models):
                    seed_optimizer = _adam(model.parameters(), settings)
                    seed_optimizer.load_state_dict(stack.seed_optimizer_state(optimizer, k))
                    save_checkpoint(checkpoints[k], epoch=epoch, model=model,
                                    optimizer=seed_optimizer, rng=rngs[k], cfg_hash=cfg_hash,
                                    history=histories[k],
                                    extra={"pending_losses": [], **hooks[k].state()})
    for model in models:
        model.to("cpu")
    return histories


def _resume_seeds(models: Sequence[torch.nn.Module], hooks: Sequence[CurriculumHooks],
                  rngs: Sequence[np.random.Generator], checkpoints: Sequence[str],
                  settings: CurriculumSettings,
                  cfg_hash: str) -> tuple[int, list[list[dict]], list[dict]]:
    """Resume every seed from its own checkpoint (the single-seed layout): the epochs done (the
    same for all, else an error), each seed's history and optimiser state dict."""
    starts, histories, optimizer_states = {}, [], []
    for model, seed_hooks, rng, path in zip(models, hooks, rngs, checkpoints, strict=True):
        optimizer = _adam(model.parameters(), settings)
        starts[path], history, extra = resume(path, model=model, optimizer=optimizer, rng=rng,
                                              cfg_hash=cfg_hash)
        seed_hooks.load_state(extra)
        histories.append(history)
        optimizer_states.append(optimizer.state_dict())
    if len(set(starts.values())) > 1:
        raise ValueError(f"seed checkpoints stopped at different epochs {starts}: delete them, "
                         f"or train these seeds one by one")
    return starts[checkpoints[0]], histories, optimizer_states


def _adam(params, settings: CurriculumSettings) -> Adam:
    return Adam(params, lr=settings.lr, weight_decay=settings.weight_decay)
