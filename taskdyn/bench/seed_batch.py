"""Seed batching: K seeds of the binding study's paper model trained by the study's seed-batched
job against K single-seed jobs, each through the study's own training."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import statistics
import tempfile
from typing import Any

import torch

from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import device_label, timed
from taskdyn.memory import retain_freed_memory
from taskdyn.studies import get_study
from taskdyn.studies.base import Job, Study

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
    study = get_study("binding")
    job = _binding_job()
    dataset = study.make_dataset(job)
    return study, dataset, study.dataset_attrs(job, dataset)


def _binding_job(**fields: Any) -> Job:
    """A job of the seed-batch benchmark's binding task."""
    return Job("binding", task_name="bench", task=SEED_BATCH_TASK, model_name="bench", **fields)


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
