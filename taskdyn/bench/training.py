"""Flip-flop GRU training speed: one step per kernel against its FLOP floor, and one epoch of
`taskdyn.training.fit` against CtDB's recorded epoch.

A GRU training step (forward, backward, Adam) costs about

    FLOPs = 6 · B · T · (3H · (H + I) + H · O)

multiply-adds counted as 2 FLOPs: the three gate matmuls on input and state (2 · 3H(H + I) per
trial and step) and the readout (2 · H · O) forward, twice that backward (gradients of inputs
and of weights); element-wise gate maths and Adam are left out (they are O(H), not O(H²)).
The step's FLOP floor is FLOPs / peak.
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable

import numpy as np
import torch

from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import device_label, matmul_peak, timed
from taskdyn.models.recurrent import GRU
from taskdyn.optim import Adam
from taskdyn.tasks.flipflop import generate_flipflop

# CtDB's own NBFF training as shipped (Lightning, GRU-128, 800 trials x 500 steps, batch 256),
# timed on this machine type; it cannot be installed offline, so the epoch figure is compared
# with this recorded time.
CTDB_REFERENCE_EPOCH_S = 6.5


def gru_training_flops(batch: int, steps: int, hidden: int, n_in: int, n_out: int) -> float:
    """Matmul FLOPs of one GRU training step (module docstring formula)."""
    return 6.0 * batch * steps * (3 * hidden * (hidden + n_in) + hidden * n_out)


def gru_training_step(model: GRU, inputs: torch.Tensor, targets: torch.Tensor,
                      optimizer: torch.optim.Optimizer) -> Callable[[], None]:
    """A closure running one forward + backward + Adam step of `model` on one batch."""
    def run() -> None:
        optimizer.zero_grad(set_to_none=True)
        outputs, _ = model(inputs)
        ((outputs - targets) ** 2).mean().backward()
        optimizer.step()
    return run


def bench_training(sizes: Sizes, kernels: tuple[str, ...] = ("sequence", "loop", "fused")
                   ) -> list[Figure]:
    """Flip-flop GRU training step per kernel: trial·steps/s, FLOP/s, ratio to the FLOP floor.

    The floor uses the machine's matmul peak: the higher of the step's own matmul shape and a
    large square one. A shared machine's speed drifts, so the peak is measured again right
    before every timed step and each step is compared with its own floor (median ratio)."""
    n_bits, b, t, h = 3, sizes.batch, sizes.steps, sizes.hidden
    device = sizes.training_device
    data = generate_flipflop(b, n_bits, t, 0.02, 0.15, np.random.default_rng(0))
    inputs = torch.as_tensor(data["inputs"], dtype=torch.float32, device=device)
    targets = torch.as_tensor(data["targets"], dtype=torch.float32, device=device)
    flops = gru_training_flops(b, t, h, n_bits, n_bits)
    size = f"3-bit flip-flop, GRU-{h}, batch {b}, {t} steps, {device_label(device)}"
    peaks: dict[str, list[float]] = {"step shape": [], "1024^3": []}

    def peak() -> float:
        peaks["step shape"].append(max(matmul_peak(b, h, 3 * h, 2, min_seconds=0.1,
                                                   device=device)))
        peaks["1024^3"].append(max(matmul_peak(1024, 1024, 1024, 2, min_seconds=0.1,
                                               device=device)))
        return max(peaks["step shape"][-1], peaks["1024^3"][-1])

    steps = []
    for kernel in kernels:
        torch.manual_seed(0)
        model = GRU(n_bits, n_bits, h, kernel=kernel).to(device)
        step = gru_training_step(model, inputs, targets, Adam(model.parameters()))
        step()  # warm-up
        runs, ratios = [], []
        for _ in range(sizes.repeats):
            floor = flops / peak()
            runs += timed(step, 1, warmup=0, device=device)
            ratios.append(runs[-1] / floor)
        median = statistics.median(runs)
        steps += [
            Figure(f"training step [{kernel}]", size, median, "s", runs,
                   f"{statistics.median(ratios):.2f}x FLOP floor (median over runs, each against "
                   f"the peak measured just before it), {flops / median / 1e9:.1f} GFLOP/s"),
            Figure(f"training throughput [{kernel}]", size, b * t / median, "trial·steps/s",
                   [b * t / r for r in runs])]
    best = max(max(peaks["step shape"]), max(peaks["1024^3"]))
    shape = f"[{b},{h}]@[{h},{3 * h}] float32, {device_label(device)}"
    return [Figure(f"matmul peak ({name})", shape if name == "step shape" else
                   f"[1024,1024]@[1024,1024] float32, {device_label(device)}",
                   statistics.median(rates) / 1e9, "GFLOP/s",
                   [r / 1e9 for r in rates], "median of the peaks measured before each step")
            for name, rates in peaks.items()] + [
        Figure("training step FLOPs", size, flops / 1e9, "GFLOP", note="6·B·T·(3H(H+I)+H·O)"),
        Figure("training step FLOP floor", size, flops / best, "s",
               note="FLOPs / the best peak measured")] + steps


def bench_epoch(sizes: Sizes, kernels: tuple[str, ...] | None = None) -> list[Figure]:
    """One epoch of `taskdyn.training.fit` (shuffle, Adam, clipping, validation, checkpoint) on
    the 3-bit flip-flop: `sizes.epoch_trials` trials of `sizes.steps` steps, batch 256, with
    the kernel `auto` picks on the device and the autograd `loop` unless `kernels` are named."""
    from taskdyn.training import TrainSettings, fit

    device = sizes.training_device
    kernels = kernels or (GRU.AUTO_KERNEL[device.type], "loop")
    n_val = 32
    data = generate_flipflop(sizes.epoch_trials + n_val, 3, sizes.steps, 0.02, 0.15,
                             np.random.default_rng(0))
    tensors = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in data.items()}
    train = {k: v[n_val:] for k, v in tensors.items()}
    val = {k: v[:n_val] for k, v in tensors.items()}

    def loss(model, batch):
        return ((model(batch["inputs"])[0] - batch["targets"]) ** 2).mean()

    settings = TrainSettings(epochs=1, batch_size=256, device=sizes.device)
    size = (f"3-bit flip-flop, GRU-{sizes.hidden}, {sizes.epoch_trials} trials x {sizes.steps} "
            f"steps, batch 256, {device_label(device)}")
    figures = []
    for kernel in kernels:
        def epoch(kernel: str = kernel) -> None:
            torch.manual_seed(0)
            model = GRU(3, 3, sizes.hidden, kernel=kernel, state_noise=0.1)
            with tempfile.TemporaryDirectory() as tmp:
                fit(model, train, val, loss, lambda m, b: {"loss": loss(m, b).item()}, settings,
                    seed=0, checkpoint=f"{tmp}/checkpoint.pt", cfg_hash="bench", label="bench")

        runs = timed(epoch, sizes.repeats, device=device)
        median = statistics.median(runs)
        note = ""
        if sizes.epoch_trials == 800 and sizes.steps == 500:
            note = (f"{CTDB_REFERENCE_EPOCH_S / median:.1f}x faster than CtDB as shipped "
                    f"({CTDB_REFERENCE_EPOCH_S} s on the 2-core CPU, recorded)")
        figures.append(Figure(f"training epoch [{kernel}]", size, median, "s", runs, note))
    return figures
