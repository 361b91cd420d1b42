"""Online curriculum training for the binding tasks: fresh batches every step, horizons that grow.

Reads top to bottom: settings → optimiser → resume (weights, Adam, data generator, curriculum
stage) → one loop of epochs of `steps_per_epoch` batches → history. After every step whose batch
sign accuracy reaches `threshold`, the training horizon moves to the next entry of `horizons`
(checked every step, as in the anchor). Checkpoints at epoch ends store the stage and the data
generator's state, so a resumed run replays an uninterrupted one exactly.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch

from taskdyn.checkpoint import resume, save_checkpoint
from taskdyn.tasks.binding import generate_trials
from taskdyn.training import (
    Diverged,
    check_interrupt,
    interruptible,
    optimiser_step,
    resolve_device,
)

log = logging.getLogger(__name__)


@dataclass
class CurriculumSettings:
    """Optimisation and curriculum settings (the study's `train` slice); anchor defaults."""

    lr: float = 1e-3
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    epochs: int = 20
    steps_per_epoch: int = 2000
    batch_size: int = 64
    checkpoint_every: int = 1
    device: str = "auto"
    horizons: list[int] = field(default_factory=lambda: [10, 20, 40, 60, 100])
    threshold: float = 0.96

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> CurriculumSettings:
        """Settings from a `train` config slice (its `curriculum` sub-mapping flattened in)."""
        flat = {**{k: v for k, v in cfg.items() if k != "curriculum"}, **cfg.get("curriculum", {})}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in flat.items() if k in known})


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
        return {k: torch.as_tensor(v, device=device) for k, v in arrays.items()
                if k != "seq_length"}


def masked_loss(outputs: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE over the output steps (`mask [trial, time]` = 1), averaged over steps and bits."""
    weight = mask.unsqueeze(-1)
    return ((outputs - targets) ** 2 * weight).sum() / (weight.sum() * outputs.shape[-1])


def sign_correct(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """`[trial, time]` fraction of bits whose sign is right (an output ≥ 0 counts as +1)."""
    return (torch.where(outputs >= 0, 1.0, -1.0) == targets).float().mean(dim=-1)


def masked_accuracy(outputs: torch.Tensor, targets: torch.Tensor,
                    mask: torch.Tensor) -> torch.Tensor:
    """Fraction of output bits on the output steps whose sign is right."""
    return (sign_correct(outputs, targets) * mask).sum() / mask.sum()


def horizon_mask(batch: Mapping[str, torch.Tensor], horizon: int) -> torch.Tensor:
    """The batch's output mask cut to its first `horizon` output steps."""
    mask = batch["mask"]
    return mask * (mask.cumsum(dim=1) <= horizon)


def train_curriculum(model: torch.nn.Module, task: OnlineTask, val: Mapping[str, torch.Tensor],
                     settings: CurriculumSettings, *, seed: int, checkpoint: str, cfg_hash: str,
                     label: str) -> list[dict[str, float]]:
    """Train on online batches with the horizon curriculum; one history row per epoch."""
    device = resolve_device(settings.device)
    model.to(device)
    val = {k: v.to(device) for k, v in val.items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr,
                                 weight_decay=settings.weight_decay)
    rng = np.random.default_rng(seed)
    start, history, extra = resume(checkpoint, model=model, optimizer=optimizer, rng=rng,
                                   cfg_hash=cfg_hash)
    stage = extra.get("stage", 0)

    with interruptible() as received:
        for epoch in range(start + 1, settings.epochs + 1):
            tic = time.perf_counter()
            model.train()
            losses, accuracies = [], []
            for _ in range(settings.steps_per_epoch):
                batch = task.batch(settings.horizons[stage], settings.batch_size, rng, device)
                outputs, _ = model(batch["inputs"])
                loss = masked_loss(outputs, batch["targets"], batch["mask"])
                losses.append(optimiser_step(model, optimizer, loss, settings.grad_clip,
                                             label=label, epoch=epoch))
                accuracy = masked_accuracy(outputs.detach(), batch["targets"], batch["mask"]).item()
                accuracies.append(accuracy)
                if accuracy >= settings.threshold and stage < len(settings.horizons) - 1:
                    stage += 1
                    log.info("epoch %d: batch accuracy %.4f, horizon now %d", epoch, accuracy,
                             settings.horizons[stage])
                check_interrupt(received, label, epoch, checkpoint)
            row = {"epoch": epoch, "horizon": settings.horizons[stage],
                   "train_loss": float(np.mean(losses)),
                   "train_accuracy": float(np.mean(accuracies)),
                   **_validate(model, val, settings.horizons[stage]),
                   "seconds": time.perf_counter() - tic}
            if not math.isfinite(row["val_loss"]):
                raise Diverged(f"{label}: validation loss is not finite at epoch {epoch}")
            history.append(row)
            log.info("epoch %d %s", epoch, {k: round(v, 6) for k, v in row.items()})
            if epoch % settings.checkpoint_every == 0 or epoch == settings.epochs:
                save_checkpoint(checkpoint, epoch=epoch, model=model, optimizer=optimizer, rng=rng,
                                cfg_hash=cfg_hash, history=history, extra={"stage": stage})
    model.to("cpu")
    return history


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


def longest_horizon(train_cfgs: list[Mapping[str, Any]]) -> int:
    """The longest curriculum horizon over several `train` config slices."""
    return max(CurriculumSettings.from_config(cfg).horizons[-1] for cfg in train_cfgs)
