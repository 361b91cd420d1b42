"""The sensory-cognitive N-back model of Lei, Ito & Bashivan (2024), on cached CNN features.

Frozen CNN feature maps (computed once, `taskdyn.models.encoders`) → trainable 1×1 convolution
→ global average pooling → [optional task-guided channel gates] → concatenation with the task
one-hot → dense + LayerNorm + ReLU → GRU / LSTM / vanilla RNN (`taskdyn.models.recurrent`) →
linear readout to the 3 classes (no-action, non-match, match).

The feature maps of the whole stimulus set live in a non-persistent buffer (`attach_features`),
so trials are just stimulus indices, the weights file stays small, and training never runs the
CNN. Each forward pass embeds the stimulus set once and gathers the trials' stimuli from it.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from taskdyn.models.recurrent import RecurrentModel, build_recurrent_model

N_CLASSES = 3


class NBackModel(nn.Module):
    """`forward(stimulus [B, T], task [B])` → (logits [B, T, 3], states [B, T, S])."""

    def __init__(self, n_channels: int, n_tasks: int, rnn: dict, attention: bool = False):
        super().__init__()
        hidden = rnn.get("latent_size", 128)
        self.n_tasks = n_tasks
        self.register_buffer("features", torch.empty(0), persistent=False)
        self.reduce = nn.Conv2d(n_channels, hidden, kernel_size=1)
        self.gates = (nn.Sequential(nn.Linear(n_tasks, hidden), nn.ReLU(),
                                    nn.Linear(hidden, hidden)) if attention else None)
        self.pre = nn.Sequential(nn.Linear(hidden + n_tasks, hidden), nn.LayerNorm(hidden),
                                 nn.ReLU())
        self.rnn: RecurrentModel = build_recurrent_model(rnn, hidden, N_CLASSES)

    def attach_features(self, features: torch.Tensor) -> None:
        """Set the stimulus set's frozen feature maps `[stimulus, channel, y, x]`."""
        self.features = torch.as_tensor(features, dtype=torch.float32,
                                        device=self.reduce.weight.device)

    def embed_stimuli(self) -> torch.Tensor:
        """`[stimulus, hidden]`: 1×1 convolution of each feature map, then average pooling."""
        if self.features.numel() == 0:
            raise RuntimeError("NBackModel has no stimulus features; call attach_features first")
        return self.reduce(self.features).mean(dim=(2, 3))

    def rnn_inputs(self, stimulus: torch.Tensor, task: torch.Tensor) -> torch.Tensor:
        """The recurrent module's inputs `[B, T, hidden]` for the trials' stimuli and tasks."""
        onehot = F.one_hot(task, self.n_tasks).float()
        x = self.embed_stimuli()[stimulus]
        if self.gates is not None:
            x = x * torch.sigmoid(self.gates(onehot))[:, None, :]
        cue = onehot[:, None, :].expand(-1, stimulus.shape[1], -1)
        return self.pre(torch.cat([x, cue], dim=-1))

    def forward(self, stimulus: torch.Tensor,
                task: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.rnn(self.rnn_inputs(stimulus, task))

    def step(self, state: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """The recurrent module's one-step map F(x, u) on its inputs u."""
        return self.rnn.step(state, u)

    def hidden(self, states: torch.Tensor) -> torch.Tensor:
        """The part of the state the readout sees."""
        return self.rnn.hidden(states)

    def recurrent_weights(self) -> dict[str, torch.Tensor]:
        return self.rnn.recurrent_weights()


def build_nback_model(cfg: dict, n_channels: int, n_tasks: int) -> NBackModel:
    """An `NBackModel` from a model config: `type`, `latent_size`, `attention`, `kernel`."""
    rnn = {k: v for k, v in cfg.items() if k not in ("attention", "train")}
    return NBackModel(n_channels, n_tasks, rnn, attention=cfg.get("attention", False))
