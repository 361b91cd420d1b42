"""The benchmark suite behind `taskdyn bench`: how fast the pipeline is, and how far from the limit.

Every figure is the median of `repeats` timed runs (wall clock, after one untimed warm-up run).
Training is timed on one device (`Sizes.device`: the CPU, or a GPU with `taskdyn bench --device
cuda`, each timed call waiting for the GPU's queued work) and compared with that device's
matrix-multiply peak measured in the same process, at the model's own matmul shape and dtype.
Fixed points, analyses and `snakemake` are timed on the CPU, where the pipeline runs them.

A GRU training step (forward, backward, Adam) costs about

    FLOPs = 6 · B · T · (3H · (H + I) + H · O)

multiply-adds counted as 2 FLOPs: the three gate matmuls on input and state (2 · 3H(H + I) per
trial and step) and the readout (2 · H · O) forward, twice that backward (gradients of inputs
and of weights); element-wise gate maths and Adam are left out (they are O(H), not O(H²)).
The step's FLOP floor is FLOPs / peak.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from taskdyn.analysis.decoding import generalisation_matrix
from taskdyn.analysis.fixed_points import (
    _minimise_adam,
    find_fixed_points,
    sample_states,
)
from taskdyn.analysis.topology import persistence_diagrams
from taskdyn.memory import retain_freed_memory
from taskdyn.models.recurrent import GRU
from taskdyn.optim import Adam
from taskdyn.studies.base import Job, Study
from taskdyn.study_bench import epoch_flops, first_jobs, make_datasets, one_epoch
from taskdyn.tasks.flipflop import generate_flipflop


@dataclass
class Figure:
    """One benchmark figure: the median of `runs` in `unit`, at the stated `size`."""

    name: str
    size: str
    value: float
    unit: str
    runs: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class Sizes:
    """Problem sizes of one benchmark run (`quick` shrinks them to finish in under two minutes)."""

    batch: int = 256
    steps: int = 500
    hidden: int = 128
    repeats: int = 3
    fp_starts: int = 256
    fp_baseline_starts: int = 1024
    fp_baseline_iters: int = 10_000
    fp_baseline_timed_iters: int = 10_000
    ripser_points: int = 400
    decoding: tuple[int, int, int] = (200, 20, 64)  # trials, time steps, units
    dsa: tuple[int, int, int, int] = (4, 20, 50, 64)  # systems, trials, time steps, units
    pairwise: tuple[int, int, int, int] = (20, 100, 20, 64)  # models, trials, time steps, units
    seed_batch: tuple[int, int] = (16, 64)  # seeds, batch
    # (horizon, Adam steps per run): the paper curriculum's second stage and its last
    seed_batch_runs: tuple[tuple[int, int], ...] = ((20, 100), (100, 25))
    epoch_trials: int = 800
    snakemake: bool = True
    snakemake_repeats: int = 3
    default_run: bool = False  # the default pipeline end to end (minutes; `--default-run`)
    device: str = "cpu"  # where training is timed: "cpu" or "cuda"

    @property
    def training_device(self) -> torch.device:
        """`device` as a torch device."""
        return torch.device(self.device)

    @classmethod
    def quick(cls) -> Sizes:
        return cls(batch=64, steps=100, repeats=3, fp_starts=128, fp_baseline_timed_iters=500,
                   epoch_trials=256,
                   ripser_points=200, decoding=(100, 10, 32), dsa=(3, 10, 40, 32),
                   pairwise=(8, 50, 10, 32), snakemake_repeats=1,
                   seed_batch_runs=((20, 10),))


CPU = torch.device("cpu")


def synchronise(device: torch.device) -> None:
    """Wait for the work queued on `device` (CUDA kernels run asynchronously; a CPU op is done
    when it returns)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def device_label(device: torch.device) -> str:
    """The device for a figure's size column: the CPU's thread count, or the GPU's name."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} (CUDA)"
    return f"CPU, {torch.get_num_threads()} threads"


def usable_device(name: str) -> torch.device:
    """`name` ("cpu" or "cuda") as a device, or a ValueError saying why it is not usable here."""
    if name == "cuda" and not torch.cuda.is_available():
        why = ("this torch is built without CUDA" if torch.version.cuda is None
               else f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU")
        raise ValueError(f"--device cuda: CUDA is not usable here: {why}")
    return torch.device(name)


def timed(fn: Callable[[], object], repeats: int, warmup: int = 1,
          device: torch.device = CPU) -> list[float]:
    """Wall-clock seconds of `repeats` calls of `fn` after `warmup` untimed calls, each call
    timed until the work it queued on `device` is done."""
    for _ in range(warmup):
        fn()
    synchronise(device)
    runs = []
    for _ in range(repeats):
        tic = time.perf_counter()
        fn()
        synchronise(device)
        runs.append(time.perf_counter() - tic)
    return runs


def matmul_peak(m: int, k: int, n: int, repeats: int = 5, dtype=torch.float32,
                min_seconds: float = 0.2, device: torch.device = CPU) -> list[float]:
    """FLOP/s of `[m, k] @ [k, n]` on `device` in a tight loop, one figure per repeat."""
    a = torch.randn(m, k, dtype=dtype, device=device)
    b = torch.randn(k, n, dtype=dtype, device=device)
    torch.matmul(a, b)  # first-call costs (library load, GPU kernel selection)
    synchronise(device)
    rates = []
    for _ in range(repeats):
        count, elapsed, tic = 0, 0.0, time.perf_counter()
        while elapsed < min_seconds:
            for _ in range(20):
                torch.matmul(a, b)
            count += 20
            synchronise(device)
            elapsed = time.perf_counter() - tic
        rates.append(2.0 * m * k * n * count / elapsed)
    return rates


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


# CtDB's own NBFF training as shipped (Lightning, GRU-128, 800 trials x 500 steps, batch 256),
# timed on this machine type when issue #9 was filed; it cannot be installed offline, so the
# epoch figure is compared with this recorded time.
CTDB_REFERENCE_EPOCH_S = 6.5


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
    return _train_small_gru(), "trained in the benchmark (GRU-32, 400 Adam steps)"


def _train_small_gru(hidden: int = 32, steps: int = 400) -> GRU:
    """A GRU trained briefly on the 3-bit flip-flop (fallback when no trained model is stored)."""
    torch.manual_seed(0)
    data = generate_flipflop(256, 3, 100, 0.05, 0.15, np.random.default_rng(0))
    inputs = torch.as_tensor(data["inputs"], dtype=torch.float32)
    targets = torch.as_tensor(data["targets"], dtype=torch.float32)
    model = GRU(3, 3, hidden, state_noise=0.1)
    step = gru_training_step(model, inputs, targets, Adam(model.parameters(), 5e-3))
    for _ in range(steps):
        step()
    return model.eval()


def bench_fixed_points(sizes: Sizes) -> list[Figure]:
    """Fixed points of a trained 3-bit GRU at zero input: the finder vs a fixed-length Adam run."""
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
    base_starts = torch.as_tensor(sample_states(hidden, sizes.fp_baseline_starts, 0.05, rng))
    n_iters = sizes.fp_baseline_timed_iters
    zeros = torch.zeros(len(base_starts), 3, dtype=torch.float64)
    base_runs = timed(lambda: _minimise_adam(model.step, base_starts, zeros, 1e-2, n_iters, 0.0,
                                             check_every=n_iters), 1, warmup=0)
    scale = sizes.fp_baseline_iters / n_iters
    baseline = base_runs[0] * scale
    note = "" if scale == 1 else f"timed {n_iters} iterations, scaled to {sizes.fp_baseline_iters}"
    median = statistics.median(runs)
    return [Figure("fixed points: finder", size, median, "s", runs,
                   f"{result.n_stable} stable / {len(result.xstar)} found, {result.n_iters} Adam "
                   f"iterations + LM polish; {100 * median / baseline:.1f}% of the baseline"),
            Figure("fixed points: fixed Adam baseline",
                   f"{sizes.fp_baseline_starts} starts, {sizes.fp_baseline_iters} iterations",
                   baseline, "s", [baseline], note)]


def bench_analyses(sizes: Sizes) -> list[Figure]:
    """Persistent homology (ripser), decoding matrix and (if `DSA` imports) DSA at stated sizes."""
    rng = np.random.default_rng(0)
    angle = rng.uniform(0, 2 * np.pi, sizes.ripser_points)
    circle = np.c_[np.cos(angle), np.sin(angle), 0.1 * rng.standard_normal(len(angle))]
    figures = [Figure("persistent homology (ripser H0+H1)", f"{len(circle)} points in 3-D",
                      *_median(timed(lambda: persistence_diagrams(circle, maxdim=1),
                                     sizes.repeats)))]
    trials, steps, units = sizes.decoding
    labels = np.repeat(rng.integers(0, 4, trials)[:, None], steps, axis=1)
    hidden = rng.standard_normal((trials, steps, units)) + labels[..., None] * 0.2
    train, test = np.arange(trials // 2), np.arange(trials // 2, trials)
    figures.append(Figure(
        "decoding matrix (logistic regression)",
        f"{trials} trials x {steps} steps x {units} units, 4 classes, {steps}x{steps} matrix",
        *_median(timed(lambda: generalisation_matrix(hidden, labels, train, test),
                       sizes.repeats))))
    try:
        import DSA  # noqa: F401

        from taskdyn.analysis.dsa import dsa_distances
    except ImportError:
        return figures + [Figure("DSA", "-", float("nan"), "s", note="DSA does not import")]
    n_sys, trials, steps, units = sizes.dsa
    systems = [rng.standard_normal((trials, steps, units)).cumsum(1) * 0.1 for _ in range(n_sys)]
    figures.append(Figure(
        "DSA (wasserstein)", f"{n_sys} systems of {trials}x{steps}x{units}, 5 PCs, 5 delays, rank 10",
        *_median(timed(lambda: dsa_distances(systems, n_components=5, n_delays=5,
                                             delay_interval=1, rank=10,
                                             score_method="wasserstein", iters=100, lr=1e-2,
                                             seed=0), sizes.repeats))))
    return figures


# The paper's binding model on its T1 task (config/paper.yaml): d = s = 8, bias-free tanh RNN-128.
SEED_BATCH_TASK = {"task_id": [255, 0, 0], "input_dim": 8, "seq_length": 8, "use_eos": True,
                   "test_horizon": 20, "n_val_trials": 64, "n_test_trials": 64}
SEED_BATCH_MODEL = {"type": "vanilla", "bias": False, "latent_size": 128, "kernel": "fused"}


def seed_batch_train_config(batch: int, horizon: int, steps: int, device: str = "cpu") -> dict:
    """The study's `train` slice for one epoch of `steps` batches at one curriculum horizon."""
    return {"lr": 1e-3, "grad_clip": 1.0, "batch_size": batch, "epochs": 1,
            "steps_per_epoch": steps, "curriculum": {"horizons": [horizon], "threshold": 1.0},
            "device": device}


@functools.cache
def _binding_dataset() -> tuple[Study, dict, dict]:
    from taskdyn.studies import get_study

    study = get_study("binding")
    job = _binding_job()
    dataset = study.make_dataset(job)
    return study, dataset, study.dataset_attrs(job, dataset)


def _binding_job(**fields: Any) -> Job:
    """A job of the seed-batch benchmark's binding task."""
    return Job("binding", task_name="bench", task=SEED_BATCH_TASK, model_name="bench",
               **fields)


def _binding_models(seeds: list[int], hidden: int) -> list[torch.nn.Module]:
    study, _, attrs = _binding_dataset()
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        job = _binding_job(model={**SEED_BATCH_MODEL, "latent_size": hidden})
        models.append(study.build_model(job, attrs))
    return models


def train_binding_seeds(seeds: list[int], hidden: int, train_cfg: dict, threads: int,
                        batched: bool) -> None:
    """Train `seeds` through the binding study's own entry points, as the pipeline's jobs do:
    `Study.train` one seed after another, or `Study.train_seeds` all at once."""
    torch.set_num_threads(threads)
    retain_freed_memory()
    study, dataset, _ = _binding_dataset()
    models = _binding_models(seeds, hidden)
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [_binding_job(model={**SEED_BATCH_MODEL, "latent_size": hidden}, train=train_cfg,
                             seed=seed, checkpoint=f"{tmp}/{seed}.pt") for seed in seeds]
        if batched:
            study.train_seeds(models, dataset, jobs)
            return
        for model, job in zip(models, jobs):
            study.train(model, dataset, job)


def _train_binding_share(job: tuple) -> None:
    train_binding_seeds(*job, batched=False)


def bench_seed_batch(sizes: Sizes, hidden: int = 128) -> list[Figure]:
    """K seeds of the binding study's paper model trained by its seed-batched job vs K
    single-seed jobs, each through the study's own training (data drawn online, curriculum,
    validation, checkpoints), at each (horizon, steps) of `sizes.seed_batch_runs`. Single-seed
    jobs run one after another with all threads, and on the CPU also as the local profile
    runs them: one per core, one thread each (worker processes started and warmed up before
    timing). The ratio against the faster of the two is the headline."""
    n_seeds, batch = sizes.seed_batch
    threads, seeds = torch.get_num_threads(), list(range(n_seeds))
    n_procs = min(threads, n_seeds) if sizes.device == "cpu" else 0
    figures = []
    with contextlib.ExitStack() as stack:
        pool = (stack.enter_context(multiprocessing.get_context("spawn").Pool(n_procs))
                if n_procs else None)
        for horizon, steps in sizes.seed_batch_runs:
            figures += _seed_batch_figures(pool, n_procs, seeds, batch, hidden, horizon, steps,
                                           sizes.repeats, sizes.training_device)
    return figures


def _seed_batch_figures(pool, n_procs: int, seeds: list[int], batch: int, hidden: int,
                        horizon: int, steps: int, repeats: int, device: torch.device
                        ) -> list[Figure]:
    """`bench_seed_batch` at one horizon: `steps` Adam steps (one epoch) per run; single-seed
    jobs also `n_procs` at a time in `pool` unless `n_procs` is 0."""
    threads = torch.get_num_threads()
    train_cfg = seed_batch_train_config(batch, horizon, steps, device.type)
    warm_cfg = seed_batch_train_config(batch, horizon, 1, device.type)
    shares = [(seeds[i::n_procs], hidden, train_cfg, 1) for i in range(n_procs)]
    runs: dict[str, list[float]] = {"separate, one after another": []}
    if n_procs:
        runs[f"separate, {n_procs} at a time"] = []
        pool.map(_train_binding_share, [([0], hidden, warm_cfg, 1)] * n_procs)
    runs["batched"] = []
    for batched in (False, True):  # warm-up: imports and first-call costs
        train_binding_seeds(seeds[:2], hidden, warm_cfg, threads, batched)
    try:
        for _ in range(repeats):  # interleaved, so load changes hit all alike
            runs["separate, one after another"] += timed(
                lambda: train_binding_seeds(seeds, hidden, train_cfg, threads, False), 1, 0,
                device)
            if n_procs:
                runs[f"separate, {n_procs} at a time"] += timed(
                    lambda: pool.map(_train_binding_share, shares), 1, 0)
            runs["batched"] += timed(
                lambda: train_binding_seeds(seeds, hidden, train_cfg, threads, True), 1, 0,
                device)
    finally:
        torch.set_num_threads(threads)
    n_time = SEED_BATCH_TASK["seq_length"] + horizon
    work = len(seeds) * batch * n_time * steps
    medians = {name: statistics.median(times) for name, times in runs.items()}
    ratios = {name: medians[name] / medians["batched"] for name in runs if name != "batched"}
    d = SEED_BATCH_TASK["input_dim"]  # matmul FLOPs per trial·step, forward and backward:
    flops = 6 * hidden * (hidden + d + 1) + 6 * hidden * d  # recurrence (+ EOS input), readout
    speed = {name: f"{work * flops / m / 1e9:.0f} GFLOP/s" for name, m in medians.items()}
    vs = ", ".join(f"{r:.2f}x {name.removeprefix('separate, ')}" for name, r in ratios.items())
    size = (f"{len(seeds)} seeds, binding T1 (d = s = 8), tanh RNN-{hidden} no bias, batch "
            f"{batch}, horizon {horizon} ({n_time} time steps), {steps} Adam steps, "
            f"{device_label(device)}")
    return [Figure(f"seed batch, horizon {horizon}: {name}", size, work / medians[name],
                   "trial·steps/s", [work / r for r in times],
                   f"{min(ratios.values()):.2f}x the faster separate runs ({vs}), {speed[name]}"
                   if name == "batched" else speed[name])
            for name, times in runs.items()]


def bench_pairwise(sizes: Sizes) -> list[Figure]:
    """All-pairs state R² (both directions), Procrustes + CKA and persistence-diagram distances
    among `models` random-walk state sets: the per-model work is done once per model."""
    from taskdyn.analysis.similarity import pairwise_shape_metrics
    from taskdyn.analysis.state_r2 import pairwise_state_r2, project_states
    from taskdyn.analysis.topology import pairwise_distances

    n_models, trials, steps, units = sizes.pairwise
    rng = np.random.default_rng(0)
    states = [rng.standard_normal((trials, steps, units)).cumsum(1) for _ in range(n_models)]
    half = trials // 2
    size = f"{n_models} models of {trials} trials x {steps} steps x {units} units"

    def state_r2() -> None:
        pairwise_state_r2({str(i): project_states(h[:half], h[half:], 10)
                           for i, h in enumerate(states)})

    def shape() -> None:
        pairwise_shape_metrics([h.reshape(-1, units) for h in states])

    diagrams = [persistence_diagrams(h[:2].reshape(-1, units)[:, :3], maxdim=1)[1]
                for h in states]
    return [Figure("pairwise state R2", f"{size}, 10 PCs, {n_models * (n_models - 1)} ordered "
                   "pairs", *_median(timed(state_r2, sizes.repeats))),
            Figure("pairwise Procrustes + CKA", f"{size}, {n_models * (n_models - 1) // 2} pairs",
                   *_median(timed(shape, sizes.repeats))),
            Figure("pairwise H1 diagram distances (wasserstein)",
                   f"{n_models} diagrams of {2 * steps} points in 3-D",
                   *_median(timed(lambda: pairwise_distances(diagrams, "wasserstein"),
                                  sizes.repeats)))]


def bench_studies(sizes: Sizes, configfile: str = "config/config.yaml") -> list[Figure]:
    """One epoch of each study's default model through the study's own training
    (`taskdyn.study_bench`): trial·steps/s, and FLOP/s against the 1024³ matmul peak."""
    device = sizes.training_device
    jobs = first_jobs(configfile)
    make_datasets(jobs, configfile)
    peak = max(matmul_peak(1024, 1024, 1024, repeats=3, device=device))
    figures = []
    for job in jobs:
        run, flops = one_epoch(job, device=sizes.device), epoch_flops(job)
        counts: list[int] = []
        runs = timed(lambda run=run, counts=counts: counts.append(run()[1]), sizes.repeats,
                     device=device)
        median, work = statistics.median(runs), counts[-1]
        size = (f"{job.study}/{job.task}, {json.dumps(job.hp['model'])}: one epoch of {work} "
                f"trial·steps, {device_label(device)}")
        note = (f"{flops / median / 1e9:.1f} GFLOP/s = {100 * flops / median / peak:.0f} % of "
                f"the 1024^3 matmul peak ({peak / 1e9:.0f} GFLOP/s); {flops / 1e9:.2f} GFLOP, "
                f"{median:.2f} s per epoch")
        figures.append(Figure(f"study training: {job.study}", size, work / median,
                              "trial·steps/s", [work / r for r in runs], note))
    return figures


def _median(runs: list[float]) -> tuple[float, str, list[float]]:
    return statistics.median(runs), "s", runs


def snakemake_jobs(output: str) -> int:
    """The job count of a dry run's 'Job stats' table (0 when there is nothing to do)."""
    totals = re.findall(r"^total\s+(\d+)", output, flags=re.MULTILINE)
    return int(totals[-1]) if totals else 0


def bench_snakemake(repeats: int) -> list[Figure]:
    """`snakemake -n` on config/paper.yaml, and a rerun of the default config where it is a no-op.

    Notes give the CPU time too: wall time also counts waits outside the workflow (the SLURM
    plugin runs `scontrol show config` at start-up, ~9 s where SLURM is installed but its
    controller is down)."""
    exe = str(Path(sys.executable).with_name("snakemake"))
    figures = []

    def child_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def run_timed(command: list[str], outputs: list[str]) -> tuple[list[float], float]:
        cpu0 = child_cpu()
        runs = timed(lambda: outputs.append(subprocess.run(
            command, capture_output=True, text=True, check=True).stdout), repeats, warmup=0)
        return runs, (child_cpu() - cpu0) / repeats

    for label, configfile in (("paper", "config/paper.yaml"), ("default", "config/config.yaml")):
        outputs: list[str] = []
        runs, cpu = run_timed([exe, "-n", "--configfile", configfile], outputs)
        jobs = snakemake_jobs(outputs[-1])
        figures.append(Figure(f"snakemake -n ({label})", configfile, statistics.median(runs),
                              "s", runs, f"{jobs} jobs, {cpu:.1f} s CPU"))
        if label == "default" and jobs == 0:
            runs, cpu = run_timed([exe, "--cores", "1", "--nolock", "--configfile", configfile],
                                  [])
            figures.append(Figure("no-op rerun (default)", configfile, statistics.median(runs),
                                  "s", runs, f"nothing to be done, {cpu:.1f} s CPU"))
    return figures


def bench_default_run(configfile: str = "config/config.yaml",
                      run: str = "bench-default") -> list[Figure]:
    """The default pipeline end to end from nothing, as `make run` runs it (`profiles/local`),
    into the scratch run `results/<run>` (removed first, and after), timed once (it takes
    minutes); then three no-op reruns of it (nothing left to do)."""
    exe = str(Path(sys.executable).with_name("snakemake"))
    command = [exe, "--profile", "profiles/local", "--configfile", configfile,
               "--config", f"run={run}"]
    scratch = [Path(top) / run for top in ("results", "logs", "benchmarks")]

    def clear() -> None:
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)

    def child_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def run_pipeline(outputs: list[str]) -> None:
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        outputs.append(done.stdout + done.stderr)

    clear()
    try:
        outputs: list[str] = []
        cpu0 = child_cpu()
        [seconds] = timed(lambda: run_pipeline(outputs), 1, warmup=0)
        cpu = child_cpu() - cpu0
        steps = re.findall(r"(\d+) of (\d+) steps", outputs[0])
        jobs = steps[-1][1] if steps else "?"
        cpu0 = child_cpu()
        reruns = timed(lambda: run_pipeline(outputs), 3, warmup=0)
        rerun_cpu = (child_cpu() - cpu0) / 3
        idle = all("Nothing to be done" in out for out in outputs[1:])
    finally:
        clear()
    return [Figure("default run end to end", f"{configfile}, profiles/local", seconds, "s",
                   [seconds], f"{jobs} jobs, {cpu / 60:.1f} CPU-minutes, timed once"),
            Figure("no-op rerun (default run)", f"{configfile}, profiles/local",
                   statistics.median(reruns), "s", reruns,
                   f"{'nothing to be done' if idle else 'WORK WAS RERUN'}, "
                   f"{rerun_cpu:.1f} s CPU")]


def run_all(sizes: Sizes, *, progress: Callable[[Figure], None] = lambda f: None
            ) -> list[Figure]:
    """Every benchmark at `sizes`, in order; `progress` sees each figure as it is measured.
    Memory is kept for reuse as in the pipeline's training jobs (`retain_freed_memory`)."""
    retain_freed_memory()
    figures = []
    parts = [bench_training, bench_epoch, bench_studies, bench_seed_batch, bench_fixed_points,
             bench_analyses, bench_pairwise]
    if sizes.snakemake:
        parts.append(lambda s: bench_snakemake(s.snakemake_repeats))
    if sizes.default_run:
        parts.append(lambda s: bench_default_run())
    for part in parts:
        for figure in part(sizes):
            progress(figure)
            figures.append(figure)
    return figures


def format_row(figure: Figure) -> str:
    """One table line: name, median and unit, size, note."""
    return f"{figure.name:<40} {figure.value:>12.4g} {figure.unit:<14} {figure.size}  {figure.note}"


def write_results(path: str | Path, figures: list[Figure], sizes: Sizes) -> None:
    """The figures as JSON, with the sizes, torch version, thread count and training device."""
    from taskdyn.io import write_json

    write_json(path, {"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "device": device_label(sizes.training_device),
                      "sizes": asdict(sizes), "figures": [asdict(f) for f in figures]})
