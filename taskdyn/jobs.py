"""One function per pipeline stage; `scripts/` call these with the job's files and params.

Each function takes paths and plain (JSON-decoded) config slices, so it runs the same under
Snakemake, from a test, or by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from taskdyn.io import (
    atomic_path,
    read_h5,
    read_h5_attrs,
    write_h5,
    write_json,
    write_table,
)
from taskdyn.memory import retain_freed_memory
from taskdyn.provenance import carried, provenance

if TYPE_CHECKING:  # torch and the studies load on first use: file-only jobs start faster
    import torch

    from taskdyn.studies.base import Job, Study

log = logging.getLogger("taskdyn")


@contextlib.contextmanager
def logged(path: str | None, threads: int | None = None) -> Iterator[None]:
    """The context of one job: log to its log file and stderr (recording any exception there
    before re-raising it) and, if given, use `threads` CPU threads in torch — oversubscribing
    cores with the default thread pool slows small recurrent models many-fold."""
    if threads:
        _use_threads(threads)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="a"))
    root = logging.getLogger()
    root.handlers[:] = handlers
    for handler in handlers:
        handler.setFormatter(fmt)
    root.setLevel(logging.INFO)
    try:
        yield
    except BaseException:
        log.exception("job failed")
        raise


def _use_threads(threads: int) -> None:
    """torch's CPU thread count: set now if torch is loaded, else through the OpenMP and MKL
    variables torch reads when the job imports it."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)


def get_study(name: str) -> Study:
    """The registered study `name` (imported here, on first use, with torch)."""
    from taskdyn.studies import get_study as registered

    return registered(name)


def load_params(text: str | dict) -> dict[str, Any]:
    """A job's params arrive as one canonical JSON string; decode it."""
    return json.loads(text) if isinstance(text, str) else dict(text)


# ---------------------------------------------------------------------------------------------
# dataset → train → evaluate
# ---------------------------------------------------------------------------------------------


def make_dataset(*, study: str, task_name: str, task: dict, out: str,
                 inputs: dict[str, str] | None = None) -> None:
    """Generate a task's dataset (every split) into one HDF5 file, reading the `inputs` files
    the study declares for it (`taskdyn.studies.get_dataset_inputs`)."""
    from taskdyn.studies.base import Job

    spec = get_study(study)
    job = Job(study, task_name=task_name, task=task, seed=task.get("data_seed", 0),
              inputs=dict(inputs or {}))
    dataset = spec.make_dataset(job)
    attrs = spec.dataset_attrs(job, dataset)
    extra = attrs.pop("provenance", {})
    write_h5(out, dataset, attrs={"study": study, "task": task, **attrs,
                                  "provenance": provenance(task, **extra)})


def load_dataset(path: str) -> tuple[dict[str, dict[str, np.ndarray]], dict[str, Any]]:
    """The dataset's splits (`{split: {name: array}}`) and root attributes."""
    flat = read_h5(path)
    splits: dict[str, dict[str, np.ndarray]] = {}
    for name, value in flat.items():
        split, _, key = name.partition("/")
        splits.setdefault(split, {})[key] = value
    return splits, read_h5_attrs(path)


def train_model(*, study: str, task_name: str, model_name: str, hp: dict, seed: int, data: str,
                weights: str, meta: str, history: str, checkpoint: str) -> None:
    """Train one model × seed; write its weights, metadata (with what ran: `taskdyn.runinfo`)
    and per-epoch log."""
    from taskdyn import runinfo

    retain_freed_memory()
    spec = get_study(study)
    job = _training_job(study, task_name, model_name, hp, seed=seed, checkpoint=checkpoint)
    dataset, attrs = load_dataset(data)
    model = initial_model(spec, job, attrs)
    with runinfo.recording() as ran:
        rows = spec.train(model, dataset, job)
    _write_trained(model, rows, job, hp, weights=weights, meta=meta, history=history,
                   run=ran.as_dict())


def train_seed_batch(*, study: str, task_name: str, model_name: str, hp: dict, seeds: list[int],
                     data: str, weights: list[str], meta: list[str], history: list[str],
                     checkpoints: list[str]) -> None:
    """Train one model per seed together (`Study.train_seeds`); write each seed's weights,
    metadata and per-epoch log exactly as `train_model` writes a single seed's."""
    from taskdyn import runinfo

    retain_freed_memory()
    spec = get_study(study)
    jobs = [_training_job(study, task_name, model_name, hp, seed=seed, checkpoint=checkpoint)
            for seed, checkpoint in zip(seeds, checkpoints, strict=True)]
    dataset, attrs = load_dataset(data)
    models = [initial_model(spec, job, attrs) for job in jobs]
    with runinfo.recording() as ran:
        histories = spec.train_seeds(models, dataset, jobs)
    for k, job in enumerate(jobs):
        _write_trained(models[k], histories[k], job, hp, weights=weights[k], meta=meta[k],
                       history=history[k], run=ran.as_dict(), seed_batch=list(seeds))


def _training_job(study: str, task_name: str, model_name: str, hp: dict, **fields: Any):
    from taskdyn.studies.base import Job

    return Job.from_hp(study, hp, task_name=task_name, model_name=model_name, **fields)


def initial_model(spec: Study, job: Job, attrs: dict) -> torch.nn.Module:
    """A fresh model whose initial weights depend only on `job.seed` (alone or in a seed batch)."""
    import torch

    torch.manual_seed(job.seed)
    return spec.build_model(job, attrs)


def _write_trained(model: torch.nn.Module, rows: list[dict], job: Job, hp: dict, *,
                   weights: str, meta: str, history: str, run: dict[str, Any],
                   **extra: Any) -> None:
    """A trained model's per-epoch log, weights and metadata (with provenance of `hp`, the
    job's training slice as given, and `run`: the device, kernels and threads that ran)."""
    prov = provenance(hp, seed=job.seed)
    write_table(history, pd.DataFrame(rows), prov)
    torch_save_atomic(model.state_dict(), weights)
    epochs = int(rows[-1].get("epoch", len(rows))) if rows else 0
    write_json(meta, {"label": job.label, "study": job.study, "seed": job.seed, "hp": hp,
                      "epochs": epochs, "final": rows[-1] if rows else {}, "provenance": prov,
                      "n_parameters": sum(p.numel() for p in model.parameters()), "run": run,
                      **extra})


def torch_save_atomic(obj: Any, path: str) -> None:
    """torch.save under a temporary name, renamed into place."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def load_trained_model(*, study: str, hp: dict, data: str, weights: str) -> torch.nn.Module:
    """Rebuild a trained model from its training slice `hp` and weights file."""
    from taskdyn.checkpoint import load_checkpoint
    from taskdyn.studies.base import Job

    spec = get_study(study)
    model = spec.build_model(Job.from_hp(study, hp), read_h5_attrs(data))
    model.load_state_dict(load_checkpoint(weights))
    model.eval()
    return model


def evaluate_model(*, study: str, task: str, model_name: str, hp: dict, evaluate_cfg: dict,
                   seed: int, data: str, weights: str, out: str) -> None:
    """Run a trained model (of task `task`) on evaluation trials; write the common-layout HDF5,
    whose provenance carries the dataset's (e.g. the wm encoder that made its inputs)."""
    from taskdyn.studies.base import Job

    spec = get_study(study)
    dataset, data_attrs = load_dataset(data)
    job = Job.from_hp(study, hp, task_name=task, model_name=model_name, evaluate=evaluate_cfg,
                      seed=seed)
    model = load_trained_model(study=study, hp=hp, data=data, weights=weights)
    evaluation = spec.evaluate(model, dataset, job)
    weights_sha = _sha256(weights)
    write_h5(out, evaluation.arrays(), dims=evaluation.dims(), attrs={
        "study": study, "task": task, "model": model_name,
        "model_type": hp["model"].get("type", ""), "seed": seed,
        "metrics": evaluation.metrics, "weight_order": list(evaluation.weights),
        "provenance": provenance({"hp": hp, "evaluate": evaluate_cfg},
                                 **carried(data_attrs.get("provenance", {})), seed=seed,
                                 weights_sha256=weights_sha),
    })


def _sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
