"""Recurrent sequence models: GRU, LSTM, vanilla tanh RNN and a discrete neural ODE.

Every model maps inputs `[batch, time, in]` to `(outputs [batch, time, out], states [batch,
time, state])` and exposes `step(state, u)`, the one-step map F(x, u) that fixed-point and
Jacobian analyses need. The LSTM's state is the concatenation [h, c].

The gated models keep their parameters in one `nn.GRU` / `nn.LSTM` / `nn.RNN` layer and run
either the fused sequence kernel or a per-step loop of the matching cell op on those same
parameters (`kernel`: "fused", "loop", for the GRU also "sequence", a whole-sequence kernel with a
hand-written backward; "auto" picks the one `taskdyn bench` measured fastest on the device), so
the maths has one definition whichever kernel runs. The kernel that runs is noted in the job's
`taskdyn.runinfo` record.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from taskdyn import runinfo
from taskdyn.models.gru_sequence import gru_sequence
from taskdyn.models.spec import state_size

KERNELS = ("auto", "fused", "loop", "sequence")


def _library(kernel: str, inputs: torch.Tensor) -> str:
    """`kernel` with the library behind a fused kernel on CUDA ('fused/cudnn')."""
    if kernel == "fused" and inputs.is_cuda and torch.backends.cudnn.enabled \
            and torch.backends.cudnn.is_available():
        return "fused/cudnn"
    return kernel


class RecurrentModel(nn.Module):
    """Base: learnable or zero initial state, time loop or fused kernel, linear readout."""

    model_type: ClassVar[str]  # the config `type` naming this model (`MODEL_TYPES`)
    # the kernel "auto" runs on each device type: the fastest `taskdyn bench` measured
    AUTO_KERNEL: ClassVar[dict[str, str]] = {"cpu": "loop", "cuda": "fused"}

    def __init__(self, input_size: int, output_size: int, latent_size: int, *,
                 learn_initial_state: bool, readout_bias: bool = True, kernel: str = "auto",
                 state_noise: float = 0.0):
        super().__init__()
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
        self.input_size, self.output_size, self.latent_size = input_size, output_size, latent_size
        self.kernel = kernel
        self.state_noise = state_noise
        self.state_size = state_size(self.model_type, latent_size)
        self.readout = nn.Linear(latent_size, output_size, bias=readout_bias)
        initial = torch.zeros(self.state_size)
        if learn_initial_state:
            self.initial_state = nn.Parameter(initial)
        else:
            self.register_buffer("initial_state", initial)

    def forward(self, inputs: torch.Tensor,
                state0: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        if state0 is None:
            state0 = self.initial_state.expand(inputs.shape[0], -1)
        kernel = self.kernel_for(inputs)
        if kernel == "sequence":  # runs the readout itself (and notes which step ran)
            return self._sequence(inputs, state0)
        runinfo.note_kernel(f"{self.model_type} {_library(kernel, inputs)}")
        states = getattr(self, f"_{kernel}")(inputs, state0)
        return self.readout(self.hidden(states)), states

    def kernel_for(self, inputs: torch.Tensor) -> str:
        """The kernel that runs on `inputs`: the configured one if this model has it, else the
        loop; the fused library kernels cannot add state noise, so noisy training loops."""
        kernel = self.kernel
        if kernel == "auto":
            kernel = self.AUTO_KERNEL.get(inputs.device.type, "loop")
        if kernel == "fused" and self.training and self.state_noise > 0:
            return "loop"
        return kernel if hasattr(self, f"_{kernel}") else "loop"

    def _loop(self, inputs: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """Iterate `step`; in training, `state_noise` (sd) is added to the state after it is read
        out (CtDB's NoisyGRU), which makes memories robust attractors."""
        states = []
        noisy = self.training and self.state_noise > 0
        for t in range(inputs.shape[1]):
            state = self.step(state, inputs[:, t])
            states.append(state)
            if noisy:
                state = state + self.state_noise * torch.randn_like(state)
        return torch.stack(states, dim=1)

    def hidden(self, states: torch.Tensor) -> torch.Tensor:
        """The part of the state the readout sees (all of it, except for the LSTM)."""
        return states

    def step(self, state: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def recurrent_weights(self) -> dict[str, torch.Tensor]:
        """Named recurrent weight matrices; the first is the one spectra analyses use."""
        return {}


class GRU(RecurrentModel):
    """Gated recurrent unit with a learnable initial state (as CtDB's GRU_RNN)."""

    model_type = "gru"
    AUTO_KERNEL: ClassVar[dict[str, str]] = {"cpu": "sequence", "cuda": "fused"}

    def __init__(self, input_size, output_size, latent_size=128, kernel="auto", state_noise=0.0):
        super().__init__(input_size, output_size, latent_size, learn_initial_state=True,
                         kernel=kernel, state_noise=state_noise)
        self.rnn = nn.GRU(input_size, latent_size, batch_first=True)

    def step(self, state, u):
        r = self.rnn
        return torch.gru_cell(u, state, r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0, r.bias_hh_l0)

    def _fused(self, inputs, state0):
        return self.rnn(inputs, state0.unsqueeze(0).contiguous())[0]

    def _sequence(self, inputs, state0):
        r = self.rnn
        noise = None
        if self.training and self.state_noise > 0:
            noise = self.state_noise * torch.randn(inputs.shape[1], inputs.shape[0],
                                                   self.latent_size, dtype=inputs.dtype,
                                                   device=inputs.device).transpose(0, 1)
        return gru_sequence(inputs, state0, r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0,
                            r.bias_hh_l0, self.readout.weight, self.readout.bias, noise)

    def recurrent_weights(self):
        w_r, w_z, w_n = self.rnn.weight_hh_l0.chunk(3, dim=0)
        return {"W_hn": w_n, "W_hr": w_r, "W_hz": w_z}


class LSTM(RecurrentModel):
    """Long short-term memory; the state is [h, c] and the readout sees h.

    Always runs the cell loop: the fused nn.LSTM kernel returns h but not c at every step.
    """

    model_type = "lstm"

    def __init__(self, input_size, output_size, latent_size=128, kernel="auto", state_noise=0.0):
        super().__init__(input_size, output_size, latent_size, learn_initial_state=True,
                         kernel=kernel, state_noise=state_noise)
        self.rnn = nn.LSTM(input_size, latent_size, batch_first=True)

    def step(self, state, u):
        h, c = state.chunk(2, dim=-1)
        r = self.rnn
        h, c = torch.lstm_cell(u, (h, c), r.weight_ih_l0, r.weight_hh_l0, r.bias_ih_l0,
                               r.bias_hh_l0)
        return torch.cat([h, c], dim=-1)

    def hidden(self, states):
        return states[..., : self.latent_size]

    def recurrent_weights(self):
        w_i, w_f, w_g, w_o = self.rnn.weight_hh_l0.chunk(4, dim=0)
        return {"W_hg": w_g, "W_hi": w_i, "W_hf": w_f, "W_ho": w_o}


class VanillaRNN(RecurrentModel):
    """Tanh RNN h' = tanh(W_ih u + W_hh h + b), zero initial state (as CtDB's Vanilla_RNN).

    `bias=False` drops every bias, readout included (the variable-binding models).
    """

    model_type = "vanilla"
    AUTO_KERNEL: ClassVar[dict[str, str]] = {"cpu": "fused", "cuda": "fused"}

    def __init__(self, input_size, output_size, latent_size=128, bias=True, kernel="auto",
                 state_noise=0.0):
        super().__init__(input_size, output_size, latent_size, learn_initial_state=False,
                         readout_bias=bias, kernel=kernel, state_noise=state_noise)
        self.rnn = nn.RNN(input_size, latent_size, nonlinearity="tanh", bias=bias,
                          batch_first=True)

    def step(self, state, u):
        r = self.rnn
        return torch.rnn_tanh_cell(u, state, r.weight_ih_l0, r.weight_hh_l0,
                                   getattr(r, "bias_ih_l0", None), getattr(r, "bias_hh_l0", None))

    def _fused(self, inputs, state0):
        return self.rnn(inputs, state0.unsqueeze(0).contiguous())[0]

    def recurrent_weights(self):
        return {"W_hh": self.rnn.weight_hh_l0}


class NODE(RecurrentModel):
    """Discrete neural ODE h' = h + dt * MLP([h, u]) with ReLU layers (as CtDB's NODE)."""

    model_type = "node"

    def __init__(self, input_size, output_size, latent_size=3, layer_hidden_size=128,
                 num_layers=3, dt=0.1, state_noise=0.0):
        super().__init__(input_size, output_size, latent_size, learn_initial_state=True,
                         state_noise=state_noise)
        sizes = [latent_size + input_size] + [layer_hidden_size] * (num_layers - 1) + [latent_size]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < num_layers - 1:
                layers.append(nn.ReLU())
        self.vector_field = nn.Sequential(*layers)
        self.dt = dt
        nn.init.normal_(self.readout.weight, std=0.01)
        nn.init.zeros_(self.readout.bias)

    def step(self, state, u):
        return state + self.dt * self.vector_field(torch.cat([state, u], dim=-1))


MODEL_TYPES: dict[str, type[RecurrentModel]] = {
    cls.model_type: cls for cls in (GRU, LSTM, VanillaRNN, NODE)}


def build_recurrent_model(cfg: dict, input_size: int, output_size: int) -> RecurrentModel:
    """Build the model named by `cfg['type']` with the remaining keys as its hyperparameters."""
    kind = cfg["type"]
    if kind not in MODEL_TYPES:
        raise ValueError(f"unknown model type {kind!r}; accepted: {sorted(MODEL_TYPES)}")
    kwargs = {k: v for k, v in cfg.items() if k not in ("type", "train")}
    return MODEL_TYPES[kind](input_size, output_size, **kwargs)
