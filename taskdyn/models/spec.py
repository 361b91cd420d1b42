"""What a model config may say, without torch: the encoder weight keywords and state sizes.

Config checks (`taskdyn.studies.<name>.checks`) run each time the workflow is parsed, so they
read these facts from here rather than from the model modules, which import torch.
"""

from __future__ import annotations

PRETRAINED_PROCEDURAL = "pretrained-procedural"  # the wm study pretrains the encoder itself
# encoder weights that are not a file path
WEIGHT_KEYWORDS = ("auto", "imagenet", "random", PRETRAINED_PROCEDURAL)
STATE_PARTS = {"lstm": 2}  # the LSTM's state is [h, c]; every other recurrent type's is h


def state_size(model_type: str, latent_size: int) -> int:
    """The state size of a recurrent model of config type `model_type`, `latent_size` units wide."""
    return STATE_PARTS.get(model_type, 1) * latent_size
