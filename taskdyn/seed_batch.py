"""Seed-batched training: K seeds of one small model trained as one batched computation.

The K models' parameters are stacked on a leading seed axis
(`torch.func.stack_module_state`) and the tanh RNN h' = tanh(W_ih u + W_hh h + b) runs as batched
matmuls over seeds on them (`torch.func.vmap` over the model's own `forward` would fall back to a
per-seed loop: `rnn_tanh_cell` has no batching rule), with the input projection done once for all
steps. Seeds must share the architecture; each may have its own data. Adam is element-wise and gradient clipping is done per seed (each
seed's own global norm), so each seed follows exactly the trajectory of its single-seed run, up
to float rounding; after training each seed's parameters go back into its own module, whose
weights and history are then written as that seed's own files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import torch
from torch.func import stack_module_state

from taskdyn.models.recurrent import VanillaRNN

Batch = Mapping[str, torch.Tensor]
# loss(outputs, batch) -> scalar, for one seed
LossFn = Callable[[torch.Tensor, Batch], torch.Tensor]
# batches(step) -> one batch per seed, each tensor stacked on a leading seed axis
SeedBatches = Callable[[int], Batch]


def train_separately(model: torch.nn.Module, batches: Callable[[int], Batch], loss_fn: LossFn, *,
                     steps: int, lr: float, grad_clip: float) -> list[float]:
    """The single-seed reference: `steps` Adam steps with global-norm clipping; the losses."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step in range(steps):
        batch = batches(step)
        loss = loss_fn(model(batch["inputs"])[0], batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        losses.append(loss.item())
    return losses


def train_seed_batch(models: Sequence[torch.nn.Module], batches: SeedBatches, loss_fn: LossFn, *,
                     steps: int, lr: float, grad_clip: float) -> list[list[float]]:
    """Train tanh RNNs `models` (one per seed) together; per-seed losses per step.

    `batches(step)` gives every tensor with a leading seed axis (seed k's batch at index k). The
    trained parameters are copied back into `models`.
    """
    if not all(isinstance(m, VanillaRNN) and m.state_noise == 0 for m in models):
        raise TypeError("seed-batched training supports noise-free VanillaRNN models only")
    params, buffers = stack_module_state(list(models))
    params = {k: v.detach().requires_grad_(True) for k, v in params.items()}
    optimizer = torch.optim.Adam(params.values(), lr=lr)
    history = []
    for step in range(steps):
        batch = batches(step)
        outputs = vanilla_forward({**params, **buffers}, batch["inputs"])
        losses = torch.stack([loss_fn(outputs[k], {name: v[k] for name, v in batch.items()})
                              for k in range(len(models))])
        optimizer.zero_grad(set_to_none=True)
        losses.sum().backward()
        if grad_clip > 0:
            clip_per_seed(list(params.values()), grad_clip)
        optimizer.step()
        history.append(losses.detach().tolist())
    with torch.no_grad():
        for k, model in enumerate(models):
            for name, param in model.named_parameters():
                param.copy_(params[name][k])
    return [list(seed) for seed in zip(*history)]


def vanilla_forward(params: Mapping[str, torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
    """Outputs `[seed, trial, time, out]` of stacked VanillaRNN parameters and buffers on
    `inputs [seed, trial, time, in]` (the model's `forward`, batched over seeds)."""
    w_hh_t = params["rnn.weight_hh_l0"].transpose(1, 2)
    drive = inputs @ params["rnn.weight_ih_l0"].transpose(1, 2).unsqueeze(1)
    if "rnn.bias_ih_l0" in params:
        drive = drive + (params["rnn.bias_ih_l0"] + params["rnn.bias_hh_l0"])[:, None, None]
    state = params["initial_state"].unsqueeze(1).expand(-1, inputs.shape[1], -1)
    states = []
    for drive_t in drive.unbind(2):
        state = torch.tanh(torch.baddbmm(drive_t, state, w_hh_t))
        states.append(state)
    outputs = torch.stack(states, 2) @ params["readout.weight"].transpose(1, 2).unsqueeze(1)
    if "readout.bias" in params:
        outputs = outputs + params["readout.bias"][:, None, None]
    return outputs


def clip_per_seed(params: list[torch.Tensor], max_norm: float) -> None:
    """`clip_grad_norm_` applied to each seed (leading axis) separately, as in its own run."""
    grads = [p.grad for p in params if p.grad is not None]
    norms = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()
    scale = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(scale.view(-1, *[1] * (g.dim() - 1)))


def write_seed_outputs(models: Sequence[torch.nn.Module], losses: Sequence[list[float]],
                       weights: Sequence[str], histories: Sequence[str],
                       provenances: Sequence[Mapping]) -> None:
    """Each seed's weights (state_dict) and per-step loss history as its own files."""
    from taskdyn.io import write_table
    from taskdyn.jobs import torch_save_atomic

    for model, loss, weight_path, history_path, prov in zip(models, losses, weights, histories,
                                                           provenances, strict=True):
        torch_save_atomic(model.state_dict(), weight_path)
        write_table(history_path, pd.DataFrame({"step": range(1, len(loss) + 1),
                                                "train_loss": loss}), prov)
