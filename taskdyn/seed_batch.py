"""Seed-batched training: K seeds of one small model trained as one batched computation.

The K models' parameters are stacked on a leading seed axis (`SeedStack`) and the tanh RNN
h' = tanh(W_ih u + W_hh h + b) runs on them as one batched matmul per time step
(`StackedTanhRNN`, readout included, with a hand-written backward that forms the weight and
readout gradients of every seed in one matmul over all steps; `torch.func.vmap` over the
model's own `forward` would fall back to a per-seed loop, as `rnn_tanh_cell` has no batching
rule). Each step's element-wise work is one native C sweep on CPU (`tanh_rnn_steps.c`).
Seeds share the architecture; each has its own data. Adam is element-wise and gradient
clipping is done per seed (each seed's own global norm), so each seed follows its single-seed
run's trajectory up to float rounding. The stacked optimiser state splits into per-seed states
in the single-seed layout, so every seed keeps its own checkpoint, weights and history files,
interchangeable with a single-seed run's.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

import torch
from torch.func import stack_module_state

from taskdyn import runinfo
from taskdyn.models import native
from taskdyn.models.recurrent import VanillaRNN


class StackedTanhRNN(torch.autograd.Function):
    """Outputs [seed, trial, time, out] of K tanh RNNs with linear readouts.

    Arguments: inputs [seed, trial, time, in], initial states [seed, trial, H], the recurrent
    weights stacked as W = [W_hh^T; W_ih^T] [seed, H + in, H] (with a bias b = b_ih + b_hh the
    caller appends a ones column to `inputs` and the row b^T to W), readout W_o [seed, out, H]
    and b_o [seed, out] or None. State and input share one buffer z_t = [h_t | u_t], and the
    readout rides in the recurrent matmul as extra columns, [2W | W_o^T; 0], so each step
    forward is one batched matmul over seeds giving the next pre-activation and the current
    state's output. Backward mirrors it: g_t = [dL/da_t | dL/dy_t] times [W_hh; W_o] is dL/dh_t
    (one matmul per step), and z^T g over all steps is every seed's W and W_o gradient in one
    matmul. (A separate readout has an 8-wide dimension that runs matmuls at a fifth of the
    peak.) tanh is evaluated as 2 sigmoid(2a) - 1, and each step's element-wise work is one
    pass (`step_passes`)."""

    @staticmethod
    def forward(ctx, inputs, h0, w, w_o, b_o):
        n_seeds, batch, n_time, n_in = inputs.shape
        hidden, n_out = h0.shape[-1], w_o.shape[1]
        z = inputs.new_empty(n_seeds, n_time + 1, batch, hidden + n_in)
        z[:, 0, :, :hidden] = h0
        z[:, :n_time, :, hidden:] = inputs.transpose(1, 2)
        z[:, n_time, :, hidden:] = 0
        w_both = w.new_zeros(n_seeds, hidden + n_in, hidden + n_out)
        torch.mul(w, 2, out=w_both[..., :hidden])
        w_both[:, :hidden, hidden:] = w_o.mT
        # step t: [2 a_t | y(h_t)] (a contiguous product: bmm into a strided view is slower);
        # y(h_0) is not an output, y(h_T) comes from one more product
        # outputs in the inputs' layout: the loss then reads outputs and targets alike
        outputs = inputs.new_empty(n_seeds, batch, n_time, n_out)
        both = inputs.new_empty(n_seeds, batch, hidden + n_out)
        passes = step_passes(both)
        steps, states, step_outputs = z.unbind(1), z[..., :hidden].unbind(1), outputs.unbind(2)
        for t in range(n_time):  # views made once: slicing per step costs µs each
            torch.bmm(steps[t], w_both, out=both)
            passes.activate(both, states[t + 1], step_outputs[t - 1] if t else None)
        step_outputs[n_time - 1].copy_(torch.bmm(z[:, n_time, :, :hidden], w_o.mT))
        if b_o is not None:
            outputs += b_o[:, None, None]
        ctx.save_for_backward(z, w, w_o)
        ctx.has_readout_bias = b_o is not None
        return outputs

    @staticmethod
    def backward(ctx, grad_outputs):
        z, w, w_o = ctx.saved_tensors
        n_seeds, n_steps, batch, width = z.shape
        n_time, hidden, n_out = n_steps - 1, w.shape[-1], w_o.shape[1]
        # g_t = [dL/da_t | dL/dy(h_t)], with a_T and y(h_0) not in the loss
        g = z.new_empty(n_seeds, n_steps, batch, hidden + n_out)
        g[:, 0, :, hidden:] = 0
        g[:, 1:, :, hidden:] = grad_outputs.transpose(1, 2)
        g[:, n_time, :, :hidden] = 0
        w_back = torch.cat([w[:, :hidden].mT, w_o], dim=1)  # [seed, H + out, H]
        dh = z.new_empty(n_seeds, batch, hidden)
        passes = step_passes(dh)
        g_steps, g_states, states = g.unbind(1), g[..., :hidden].unbind(1), z[..., :hidden].unbind(1)
        for t in range(n_time, 0, -1):  # dL/dh_t, then dL/da_{t-1} through h_t = tanh(a_{t-1})
            torch.bmm(g_steps[t], w_back, out=dh)
            passes.derivative(dh, states[t], g_states[t - 1])
        grad_h0 = torch.bmm(g[:, 0], w_back) if ctx.needs_input_grad[1] else None
        grad_both = torch.bmm(z.view(n_seeds, n_steps * batch, width).mT,
                              g.view(n_seeds, n_steps * batch, -1))
        grad_w = grad_both[..., :hidden]
        grad_w_o = grad_both[:, :hidden, hidden:].mT
        grad_b_o = grad_outputs.sum((1, 2)) if ctx.has_readout_bias else None
        return None, grad_h0, grad_w, grad_w_o, grad_b_o


class _TorchPasses:
    """The element-wise passes of a `StackedTanhRNN` step as PyTorch ops (any device, dtype).

    `activate`: the step's matmul left p = [2a | y] in `both`; write the next state
    tanh(a) = 2 sigmoid(2a) - 1 into `state` and copy y (the previous state's readout) into
    `out`. `derivative`: dL/da = dL/dh (1 - h^2) into `grad`. (The fused sigmoid kernel is
    several times faster than tanh's on CPU.)"""

    def __init__(self, like: torch.Tensor):
        self.minus_one = like.new_tensor(-1.0)

    def activate(self, both: torch.Tensor, state: torch.Tensor, out: torch.Tensor | None):
        hidden = state.shape[-1]
        if out is not None:
            out.copy_(both[..., hidden:])
        torch.add(self.minus_one, both[..., :hidden].sigmoid_(), alpha=2, out=state)

    def derivative(self, dh: torch.Tensor, state: torch.Tensor, grad: torch.Tensor):
        torch.ops.aten.tanh_backward(dh, state, grad_input=grad)


class _NativePasses:
    """`_TorchPasses` as one native C sweep each (`tanh_rnn_steps.c`), on CPU float32/float64:
    PyTorch's two or three ops per pass cost several times the sweep."""

    def __init__(self, library: ctypes.CDLL, suffix: str):
        self._forward = getattr(library, f"tanh_rnn_forward_{suffix}")
        self._backward = getattr(library, f"tanh_rnn_backward_{suffix}")
        n, ptr = ctypes.c_long, ctypes.c_void_p
        self._forward.argtypes = [n] * 5 + [ptr, n, n] * 3
        self._backward.argtypes = [n] * 4 + [ptr, n, n] * 3
        self._forward.restype = self._backward.restype = None
        self.n_threads = torch.get_num_threads()

    def activate(self, both: torch.Tensor, state: torch.Tensor, out: torch.Tensor | None):
        n_seeds, batch, hidden = state.shape
        self._forward(self.n_threads, n_seeds, batch, hidden, both.shape[-1] - hidden,
                      *_rows(both), *_rows(state), *_rows(out))

    def derivative(self, dh: torch.Tensor, state: torch.Tensor, grad: torch.Tensor):
        n_seeds, batch, hidden = state.shape
        self._backward(self.n_threads, n_seeds, batch, hidden, *_rows(dh), *_rows(state),
                       *_rows(grad))


def _rows(tensor: torch.Tensor | None) -> tuple[int | None, int, int]:
    """Data pointer, seed stride and trial stride of a [seed, trial, unit] tensor with
    contiguous rows ((None, 0, 0) for None)."""
    if tensor is None:
        return None, 0, 0
    if tensor.stride(2) != 1:
        raise ValueError("the native tanh RNN passes need contiguous rows")
    return tensor.data_ptr(), tensor.stride(0), tensor.stride(1)


def step_passes(like: torch.Tensor) -> _TorchPasses | _NativePasses:
    """The per-step element-wise passes for tensors like `like`: native on CPU float32/float64
    when the C source builds, else PyTorch ops."""
    kernel = native.kernel_for("tanh_rnn_steps", like)
    runinfo.note_kernel("vanilla seed-stacked/" + ("torch" if kernel is None else "native"))
    return _TorchPasses(like) if kernel is None else _NativePasses(*kernel)


class SeedStack:
    """The parameters of K `VanillaRNN`s (one per seed, noise-free) stacked on a seed axis."""

    def __init__(self, models: Sequence[torch.nn.Module]):
        if not all(isinstance(m, VanillaRNN) and m.state_noise == 0 for m in models):
            kinds = sorted({type(m).__name__ for m in models})
            raise TypeError(f"seed-batched training supports noise-free VanillaRNN models only, "
                            f"got {kinds}")
        self.models = list(models)
        params, self.buffers = stack_module_state(self.models)
        self.params = {k: v.detach().requires_grad_(True) for k, v in params.items()}

    def parameters(self) -> list[torch.Tensor]:
        return list(self.params.values())

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        """Outputs [seed, trial, time, out] on inputs [seed, trial, time, in]: each seed's
        model `forward`, batched (the states are not kept: training needs only outputs)."""
        p = self.params
        w = [p["rnn.weight_hh_l0"].mT, p["rnn.weight_ih_l0"].mT]
        if "rnn.bias_ih_l0" in p:  # a ones input column carries the bias
            inputs = torch.cat([inputs, inputs.new_ones(*inputs.shape[:-1], 1)], dim=-1)
            w.append((p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]).unsqueeze(1))
        h0 = self.buffers["initial_state"].unsqueeze(1).expand(-1, inputs.shape[1], -1)
        return StackedTanhRNN.apply(inputs, h0, torch.cat(w, dim=1), p["readout.weight"],
                                    p.get("readout.bias"))

    def write_back(self) -> None:
        """Copy each seed's current parameters into its own module."""
        with torch.no_grad():
            for k, model in enumerate(self.models):
                for name, param in model.named_parameters():
                    param.copy_(self.params[name][k])

    def seed_optimizer_state(self, optimizer: torch.optim.Optimizer, k: int) -> dict:
        """Seed k's slice of a stacked optimiser's state dict, in the layout of an optimiser over
        `models[k].parameters()` (parameter order and hyperparameters included)."""
        state = optimizer.state_dict()
        index = {name: i for i, name in enumerate(self.params)}
        order = [index[name] for name, _ in self.models[k].named_parameters()]
        per_param = {new: {key: value[k].clone() if key != "step" and value.dim() else
                           value.clone() for key, value in state["state"][old].items()}
                     for new, old in enumerate(order) if old in state["state"]}
        groups = [{**group, "params": list(range(len(order)))} for group in state["param_groups"]]
        return {"state": per_param, "param_groups": groups}

    def load_seed_optimizer_states(self, optimizer: torch.optim.Optimizer,
                                   states: Sequence[dict]) -> None:
        """Stack per-seed optimiser state dicts (all at the same step) into `optimizer`."""
        names = [name for name, _ in self.models[0].named_parameters()]
        position = {name: i for i, name in enumerate(names)}
        stacked = {}
        for i, name in enumerate(self.params):
            per_seed = [s["state"].get(position[name]) for s in states]
            if any(p is None for p in per_seed):
                continue
            stacked[i] = {key: (torch.stack([p[key] for p in per_seed])
                                if key != "step" and per_seed[0][key].dim() else
                                per_seed[0][key].clone())
                          for key in per_seed[0]}
        groups = [{**g, "params": list(range(len(self.params)))} for g in states[0]["param_groups"]]
        optimizer.load_state_dict({"state": stacked, "param_groups": groups})


def clip_per_seed(params: list[torch.Tensor], max_norm: float) -> None:
    """`clip_grad_norm_` applied to each seed (leading axis) separately, as in its own run."""
    grads = [p.grad for p in params if p.grad is not None]
    norms = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(-1, *[1] * (g.dim() - 1)))
