"""Frozen torchvision CNN encoders: feature maps of a ResNet's last convolutional stage.

Weights come from one of three sources, always reported with the features:

- `"imagenet"`: torchvision's default ImageNet weights (from the local torch hub cache or a
  download), an error naming the config key when they cannot be had; `"auto"` tries the same
  and falls back to random-frozen weights (no network), with a warning in the job's log and
  the record, which the wm figures name (`weights_label`);
- a path to a local `state_dict` file (recorded with its sha256), of the whole network or of
  its trunk alone (the classifier `fc` is dropped anyway);
- `"random"`: torchvision's own initialisation under `torch.manual_seed(seed)`, frozen;
- `"pretrained-procedural"`: the wm study pretrains the trunk on procedural objects the task
  never shows (`taskdyn.studies.wm.pretrain`) and passes the resulting file here.

The keywords are listed, for config checks, in `taskdyn.models.spec.WEIGHT_KEYWORDS`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torchvision
from torch import nn

log = logging.getLogger(__name__)

ARCHS = ("resnet18", "resnet34", "resnet50")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLASSIFIER_PREFIX = "fc."  # a torchvision ResNet's classifier: not part of the frozen trunk
CONFIG_KEY = "studies.wm.encoder.weights"  # where a run chooses the weights, named in errors


def build_encoder(arch: str, weights: str, seed: int = 0) -> tuple[nn.Module, dict[str, Any]]:
    """The frozen convolutional trunk of `arch` (up to its last stage) and a weights record."""
    if arch not in ARCHS:
        raise ValueError(f"unknown encoder arch {arch!r}; accepted: {list(ARCHS)}")
    torch.manual_seed(seed)
    record: dict[str, Any] = {"arch": arch, "requested_weights": weights, "seed": seed}
    if weights in ("auto", "imagenet"):
        tv_weights = torchvision.models.get_model_weights(arch).DEFAULT
        try:
            model = torchvision.models.get_model(arch, weights=tv_weights)
            record["weights_source"] = f"torchvision {tv_weights}"
        except (OSError, RuntimeError) as err:  # URLError is an OSError
            if weights == "imagenet":
                raise RuntimeError(
                    f"{CONFIG_KEY}: 'imagenet' asks for torchvision's ImageNet weights of {arch} "
                    f"({tv_weights.url}), which cannot be loaded here ({err}); put the file in "
                    f"{Path(torch.hub.get_dir()) / 'checkpoints'} (compute nodes are often "
                    "offline), or set the key to 'auto' (random-frozen when unavailable), "
                    "'random' or a weights file") from err
            log.warning("%s: 'auto' fell back to RANDOM-FROZEN %s weights: ImageNet weights "
                        "unavailable (%s); the wm figures say '%s (random-frozen) features'; set "
                        "the key to 'imagenet' to fail instead", CONFIG_KEY, arch, err, arch)
            model = torchvision.models.get_model(arch, weights=None)
            record["weights_source"] = f"random-frozen (ImageNet unreachable: {err})"
    elif weights == "random":
        model = torchvision.models.get_model(arch, weights=None)
        record["weights_source"] = "random-frozen"
    else:
        model = torchvision.models.get_model(arch, weights=None)
        path = Path(weights)
        missing, unexpected = model.load_state_dict(
            torch.load(path, map_location="cpu", weights_only=True), strict=False)
        missing = [k for k in missing if not k.startswith(CLASSIFIER_PREFIX)]
        if missing or unexpected:
            raise ValueError(f"{CONFIG_KEY}: {path} is not a {arch} state dict (missing "
                             f"{missing[:3]}, unexpected {unexpected[:3]})")
        record["weights_source"] = f"file {path}"
        record["weights_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    trunk = nn.Sequential(*list(model.children())[:-2])  # drop avgpool and fc
    trunk.eval()
    for p in trunk.parameters():
        p.requires_grad_(False)
    return trunk, record


def extract_features(images: np.ndarray, encoder: nn.Module, batch_size: int = 64,
                     device: str = "cpu") -> np.ndarray:
    """Float32 feature maps `[stimulus, channel, y, x]` of uint8 images `[stimulus, y, x, rgb]`."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    encoder = encoder.to(device)
    out = []
    with torch.no_grad():
        for begin in range(0, len(images), batch_size):
            x = torch.as_tensor(images[begin : begin + batch_size]).permute(0, 3, 1, 2)
            x = (x.float() / 255.0 - mean) / std
            out.append(encoder(x.to(device)).cpu())
    return torch.cat(out).numpy().astype(np.float32)
