"""Fixed points of a trained 3-bit flip-flop GRU: the pipeline's finder against a fixed-length
Adam run, the simple search it replaces."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import torch

from taskdyn.analysis.fixed_points import (
    StepFn,
    find_fixed_points,
    q_values,
    sample_states,
)
from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import timed
from taskdyn.bench.training import gru_training_step
from taskdyn.models.recurrent import GRU
from taskdyn.optim import Adam
from taskdyn.tasks.flipflop import generate_flipflop


def trained_flipflop_gru(results: Path = Path("results")) -> tuple[GRU, str]:
    """A trained 3-bit flip-flop GRU from `results/*/models/ctdb/3bff/gru/seed0` (default run
    first), or a small one trained here when none exists; returns it and where it came from."""
    runs = sorted(results.glob("*/models/ctdb/3bff/gru/seed0/meta.json"),
                  key=lambda p: p.parts[-7] != "default")
    for meta_path in runs:
        hp = json.loads(meta_path.read_text())["hp"]
        if hp["task"].get("n_bits") != 3:
            continue
        cfg = {k: v for k, v in hp["model"].items() if k in ("latent_size",)}
        model = GRU(3, 3, **cfg)
        model.load_state_dict(torch.load(meta_path.with_name("weights.pt"), weights_only=True))
        return model.eval(), str(meta_path.parent)
    return train_small_gru(), "trained in the benchmark (GRU-32, 400 Adam steps)"


def train_small_gru(hidden: int = 32, steps: int = 400) -> GRU:
    """A GRU trained briefly on the 3-bit flip-flop (when no trained model is stored)."""
    torch.manual_seed(0)
    data = generate_flipflop(256, 3, 100, 0.05, 0.15, np.random.default_rng(0))
    inputs = torch.as_tensor(data["inputs"], dtype=torch.float32)
    targets = torch.as_tensor(data["targets"], dtype=torch.float32)
    model = GRU(3, 3, hidden, state_noise=0.1)
    step = gru_training_step(model, inputs, targets, Adam(model.parameters(), 5e-3))
    for _ in range(steps):
        step()
    return model.eval()


def fixed_adam_baseline(step: StepFn, starts: torch.Tensor, inputs: torch.Tensor, lr: float,
                        n_iters: int) -> torch.Tensor:
    """`n_iters` Adam steps on the summed q of every start, none stopped early and no polish:
    the fixed-length search the finder is compared with."""
    x = starts.clone().requires_grad_(True)
    optimizer = Adam([x], lr=lr)
    for _ in range(n_iters):
        optimizer.zero_grad()
        q_values(step, x, inputs).sum().backward()
        optimizer.step()
    return x.detach()


def bench_fixed_points(sizes: Sizes) -> list[Figure]:
    """Fixed points of a trained 3-bit GRU at zero input: the finder vs a fixed-length Adam run
    from the same start states."""
    model, source = trained_flipflop_gru()
    model.double()
    data = generate_flipflop(64, 3, 100, 0.02, 0.0, np.random.default_rng(1))
    with torch.no_grad():
        _, states = model(torch.as_tensor(data["inputs"], dtype=torch.float64))
    hidden = states.numpy()
    rng = np.random.default_rng(0)
    starts = sample_states(hidden, sizes.fp_starts, 0.05, rng)
    found = []

    def finder() -> None:
        found.append(find_fixed_points(model.step, starts, np.zeros((len(starts), 3))))

    runs = timed(finder, sizes.repeats, warmup=0)
    result = found[-1]
    size = f"GRU-{model.latent_size} ({source}), {sizes.fp_starts} starts"
    n_iters = sizes.fp_baseline_timed_iters
    zeros = torch.zeros(len(starts), 3, dtype=torch.float64)
    base_runs = timed(lambda: fixed_adam_baseline(model.step, torch.as_tensor(starts), zeros,
                                                  1e-2, n_iters), 1, warmup=0)
    scale = sizes.fp_baseline_iters / n_iters
    baseline = base_runs[0] * scale
    note = "" if scale == 1 else f"timed {n_iters} iterations, scaled to {sizes.fp_baseline_iters}"
    median = statistics.median(runs)
    return [Figure("fixed points: finder", size, median, "s", runs,
                   f"{result.n_stable} stable / {len(result.xstar)} found, {result.n_iters} Adam "
                   f"iterations + LM polish; {100 * median / baseline:.1f}% of the baseline"),
            Figure("fixed points: fixed Adam baseline",
                   f"the same {sizes.fp_starts} starts, {sizes.fp_baseline_iters} iterations",
                   baseline, "s", [baseline], note)]
