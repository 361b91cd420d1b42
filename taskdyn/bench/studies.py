"""Training throughput of every study's default model, through the study's own training.

For the first task × model of each study in a config (`config/config.yaml` by default) the
dataset is made by the pipeline's own rules, and one epoch of the study's `Study.train` (its
loss, optimiser, curriculum, validation and checkpoint, exactly as a `train_model` job runs it)
is timed. Trial·steps are counted at the model's input: a forward hook adds trials × time steps
(tokens, for the sequence models) of every training-mode call. FLOPs are counted by
`torch.utils.flop_counter.FlopCounterMode` over one epoch (matmuls, convolutions and attention
of forward, backward and validation; element-wise maths is not counted), so the achieved
FLOP/s is comparable with the matrix-multiply peak measured in the same process.
"""

from __future__ import annotations

import functools
import json
import statistics
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from taskdyn.bench.pipeline import run_snakemake, snakemake_command
from taskdyn.bench.report import Figure
from taskdyn.bench.sizes import Sizes
from taskdyn.bench.timing import device_label, matmul_peak, timed
from taskdyn.config import load_yaml, train_slice, validate_config
from taskdyn.jobs import initial_model, load_dataset
from taskdyn.studies import get_study
from taskdyn.studies.base import Job


@dataclass
class StudyJob:
    """One training job of a study: its task, model, config slice and dataset file (relative to
    the workflow's working directory)."""

    study: str
    task: str
    model: str
    hp: dict[str, Any]
    data: str


def first_jobs(configfile: str | Path, schema_dir: str | Path = "workflow/schemas"
               ) -> list[StudyJob]:
    """The first task × model of every study in `configfile` (validated, defaults filled)."""
    config = validate_config(load_yaml(configfile), schema_dir)
    jobs = []
    for study, study_cfg in config["studies"].items():
        task, model = next(iter(study_cfg["tasks"])), next(iter(study_cfg["models"]))
        jobs.append(StudyJob(study, task, model, train_slice(config, study, task, model),
                             f"results/{config['run']}/data/{study}/{task}.h5"))
    return jobs


def make_datasets(jobs: list[StudyJob], configfile: str | Path, workdir: str | Path = ".") -> None:
    """The jobs' datasets, made (or found up to date) in `workdir` by the pipeline's own rules
    (the Snakefile of the current directory)."""
    try:
        run_snakemake(snakemake_command(
            "--snakefile", str(Path("Snakefile").resolve()), "--directory", str(workdir),
            *[job.data for job in jobs], "--cores", "all", "--configfile", str(configfile)))
    except RuntimeError as err:
        raise RuntimeError(f"making the benchmark datasets failed: {err}") from None


@contextmanager
def counting_trial_steps(model: torch.nn.Module) -> Iterator[list[int]]:
    """A one-element list, filled on exit with the trials × time steps the model trained on:
    at the outermost module the training calls (the first in `model.modules()` order with
    training-mode calls: the model itself, or e.g. a token embedding where training calls a
    method other than `forward`), summed over its calls' first tensor argument's two leading
    dimensions (one step for 1-D inputs)."""
    modules = list(model.modules())
    counts = [0] * len(modules)

    def hook(index: int, module: torch.nn.Module, args: tuple, kwargs: dict) -> None:
        if module.training:
            first = next(x for x in (*args, *kwargs.values()) if isinstance(x, torch.Tensor))
            counts[index] += first.shape[0] * (first.shape[1] if first.dim() > 1 else 1)

    handles = [m.register_forward_pre_hook(functools.partial(hook, i), with_kwargs=True)
               for i, m in enumerate(modules)]
    total = [0]
    try:
        yield total
    finally:
        for handle in handles:
            handle.remove()
        total[0] = next((n for n in counts if n), 0)


def one_epoch(job: StudyJob, kernel: str | None = None, device: str = "cpu",
              workdir: str | Path = ".") -> Callable[[], tuple[torch.nn.Module, int]]:
    """A closure training a fresh seed-0 model on `device` for one epoch as `train_model`
    does, on the job's dataset in `workdir`; it returns the model and the trial·steps it
    trained on. `kernel` replaces the model's `kernel`, if it has one."""
    spec = get_study(job.study)
    dataset, attrs = load_dataset(str(Path(workdir) / job.data))
    model_cfg = job.hp["model"]
    if kernel is not None and "kernel" in model_cfg:
        model_cfg = {**model_cfg, "kernel": kernel}
    hp = {**job.hp, "model": model_cfg,
          "train": {**job.hp["train"], "epochs": 1, "device": device}}

    def run() -> tuple[torch.nn.Module, int]:
        with tempfile.TemporaryDirectory() as tmp:
            study_job = Job.from_hp(job.study, hp, task_name=job.task, model_name=job.model,
                                    checkpoint=f"{tmp}/checkpoint.pt")
            model = initial_model(spec, study_job, attrs)
            with counting_trial_steps(model) as count:
                spec.train(model, dataset, study_job)
        return model, count[0]
    return run


def epoch_flops(job: StudyJob, workdir: str | Path = ".") -> float:
    """FLOPs (matmuls, convolutions, attention) of one training epoch of `job`, counted on the
    CPU with the autograd `loop` kernel where the model has a kernel choice: the FLOP counter
    does not see inside the hand-written sequence kernels, whose arithmetic is the same."""
    run = one_epoch(job, kernel="loop", workdir=workdir)
    with FlopCounterMode(display=False) as counter:
        run()
    return float(counter.get_total_flops())


def bench_studies(sizes: Sizes, configfile: str = "config/config.yaml",
                  workdir: str | Path = ".") -> list[Figure]:
    """One epoch of each study's default model through the study's own training, on datasets
    made in `workdir`: trial·steps/s, and FLOP/s against the 1024³ matmul peak."""
    device = sizes.training_device
    jobs = first_jobs(configfile)
    make_datasets(jobs, configfile, workdir)
    peak = max(matmul_peak(1024, 1024, 1024, repeats=3, device=device))
    figures = []
    for job in jobs:
        run = one_epoch(job, device=sizes.device, workdir=workdir)
        flops = epoch_flops(job, workdir)
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
