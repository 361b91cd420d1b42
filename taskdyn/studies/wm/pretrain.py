"""Pretraining the wm encoder on procedural objects the N-back task never shows.

Where ImageNet weights cannot be had, `encoder.weights: pretrained-procedural` gives the CNN
real perceptual features this way: a torchvision ResNet, from its own initialisation, learns
to name the identity of rendered objects of other families than the task's
(`taskdyn.tasks.stimuli.PRETRAIN_CATEGORIES`) across locations and viewing angles, with
random shifts, flips and brightness changes. One viewing angle is held out to report how well
the features generalise to new views. The trunk's weights (classifier dropped) and a record
of the data, training and accuracies are the rule's outputs; `build_encoder` loads them as a
weights file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from taskdyn.io import write_json
from taskdyn.jobs import torch_save_atomic
from taskdyn.models.encoders import CLASSIFIER_PREFIX, IMAGENET_MEAN, IMAGENET_STD
from taskdyn.tasks.stimuli import PRETRAIN_CATEGORIES, StimulusSet, render_stimuli

log = logging.getLogger(__name__)



@dataclass
class PretrainSettings:
    """The `encoder.pretrain` config slice: the procedural data and its optimisation."""

    n_identities: int = 12
    n_locations: int = 4
    n_angles: int = 6
    image_size: int = 64
    epochs: int = 12
    batch_size: int = 64
    lr: float = 1e-3
    max_shift: int = 4  # pixels of random translation (padding by reflection)
    seed: int = 0


def pretraining_images(settings: PretrainSettings) -> StimulusSet:
    """Every pretraining family × identity × location × angle, rendered once."""
    return render_stimuli(n_identities=settings.n_identities, n_locations=settings.n_locations,
                          n_angles=settings.n_angles, image_size=settings.image_size,
                          seed=settings.seed, categories=PRETRAIN_CATEGORIES)


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 images `[n, y, x, rgb]` normalised as the encoder sees them, `[n, rgb, y, x]`."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    x = torch.as_tensor(images).permute(0, 3, 1, 2).float() / 255.0
    return (x - mean) / std


def augment(x: torch.Tensor, generator: torch.Generator, max_shift: int) -> torch.Tensor:
    """A random shift (reflect-padded crop), horizontal flip and brightness scale per image."""
    n, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, mode="reflect")
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, n), generator=generator)
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    flip = torch.rand(n, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    scale = 0.8 + 0.4 * torch.rand(n, 1, 1, 1, generator=generator)
    return out * scale


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 256) -> float:
    """Top-1 accuracy of `model` on `(x, y)`, in eval mode."""
    model.eval()
    with torch.no_grad():
        hits = sum(int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
                   for i in range(0, len(x), batch))
    return hits / len(x)


def pretrain(arch: str, settings: PretrainSettings) -> tuple[nn.Module, dict[str, Any]]:
    """The `arch` ResNet trained to name pretraining identities; the record of how it went.

    The last viewing angle is held out (`heldout_view_accuracy`), every other view is trained
    on (`train_accuracy`, without augmentation); chance is 1 / the number of classes.
    """
    torch.manual_seed(settings.seed)
    stimuli = pretraining_images(settings)
    labels = torch.as_tensor(stimuli.category * settings.n_identities + stimuli.identity)
    n_classes = len(PRETRAIN_CATEGORIES) * settings.n_identities
    held_out = torch.as_tensor(stimuli.angle == settings.n_angles - 1)
    x = to_tensor(stimuli.images)
    x_train, y_train = x[~held_out], labels[~held_out]
    model = torchvision.models.get_model(arch, weights=None, num_classes=n_classes)
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr)
    generator = torch.Generator().manual_seed(settings.seed)
    tic = time.perf_counter()
    losses = []
    for epoch in range(settings.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        total = 0.0
        for begin in range(0, len(order), settings.batch_size):
            idx = order[begin:begin + settings.batch_size]
            loss = F.cross_entropy(model(augment(x_train[idx], generator, settings.max_shift)),
                                   y_train[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        losses.append(total / len(order))
        log.info("pretraining epoch %d: loss %.3f", epoch + 1, losses[-1])
    record = {"families": list(PRETRAIN_CATEGORIES), "n_classes": n_classes,
              "n_train_images": int(len(x_train)), "n_heldout_images": int(held_out.sum()),
              "chance": 1 / n_classes, "train_loss": losses,
              "train_accuracy": accuracy(model, x_train, y_train),
              "heldout_view_accuracy": accuracy(model, x[held_out], labels[held_out]),
              "seconds": round(time.perf_counter() - tic, 1), "settings": asdict(settings)}
    return model, record


def pretrain_encoder(*, arch: str, pretrain_cfg: dict[str, Any], weights: str,
                     record: str) -> None:
    """Rule wm_pretrain_encoder: the trunk's state dict (classifier dropped) and its record."""
    settings = PretrainSettings(**pretrain_cfg)
    model, summary = pretrain(arch, settings)
    trunk = {k: v for k, v in model.state_dict().items() if not k.startswith(CLASSIFIER_PREFIX)}
    torch_save_atomic(trunk, weights)
    with open(weights, "rb") as handle:
        summary["weights_sha256"] = hashlib.sha256(handle.read()).hexdigest()
    log.info("pretrained %s: train accuracy %.3f, held-out view accuracy %.3f (chance %.3f)",
             arch, summary["train_accuracy"], summary["heldout_view_accuracy"],
             summary["chance"])
    write_json(record, {"arch": arch, **summary})
