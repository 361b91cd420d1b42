"""Seed-batched training matches separate single-seed runs, seed by seed."""

import numpy as np
import pandas as pd
import torch

from taskdyn.models.recurrent import VanillaRNN
from taskdyn.seed_batch import train_seed_batch, train_separately, write_seed_outputs

SEEDS, STEPS = (0, 1, 2), 8


def _loss(outputs, batch):
    return ((outputs - batch["targets"]) ** 2).mean()


def _batch(seed, step):
    g = torch.Generator().manual_seed(1000 * seed + step)
    inputs = torch.randn(16, 12, 3, generator=g)
    return {"inputs": inputs, "targets": torch.roll(inputs, 2, dims=1)}


def _model(seed):
    torch.manual_seed(seed)
    return VanillaRNN(3, 3, 16, bias=False, kernel="loop")


def test_seed_batch_equals_separate_runs(tmp_path):
    separate = [_model(s) for s in SEEDS]
    ref = [train_separately(m, lambda step, s=s: _batch(s, step), _loss, steps=STEPS, lr=0.05,
                            grad_clip=0.5) for m, s in zip(separate, SEEDS)]
    batched = [_model(s) for s in SEEDS]
    stacked = lambda step: {k: torch.stack([_batch(s, step)[k] for s in SEEDS])  # noqa: E731
                            for k in ("inputs", "targets")}
    losses = train_seed_batch(batched, stacked, _loss, steps=STEPS, lr=0.05, grad_clip=0.5)
    np.testing.assert_allclose(losses, ref, rtol=1e-4, atol=1e-6)
    assert ref[0][-1] < ref[0][0]  # the runs did learn, and seeds differ
    assert not np.allclose(ref[0], ref[1])
    for a, b in zip(separate, batched):
        for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
            torch.testing.assert_close(pa, pb, rtol=1e-4, atol=1e-5, msg=name)
    weights = [str(tmp_path / f"seed{s}.pt") for s in SEEDS]
    histories = [str(tmp_path / f"seed{s}.csv") for s in SEEDS]
    write_seed_outputs(batched, losses, weights, histories, [{"seed": s} for s in SEEDS])
    for s, path in zip(SEEDS, histories):
        table = pd.read_csv(path, comment="#")
        np.testing.assert_allclose(table["train_loss"], losses[s])
        state = torch.load(weights[s], weights_only=True)
        torch.testing.assert_close(state["rnn.weight_hh_l0"], batched[s].rnn.weight_hh_l0)
