"""Shared runs for the reliability tests, each done once per test session.

- `cluster()`: the one-node SLURM cluster of `cluster.sh` (started once, stopped at exit).
- `preempted_run(kind, ...)`: a tiny ctdb run whose training job is interrupted by a signal
  after its first checkpoint and then completed by a retry (`kind="slurm"`: through
  `profiles/slurm`, `scancel --signal=USR1`, the profile's retry) or by a rerun
  (`kind="local"`: SIGTERM to the local `snakemake` and its jobs, then `snakemake` again).
- `reference_training(run, ...)`: the same training job run uninterrupted, in this process.

Both runs go end to end (evaluation, figures, table, manifest), so the SLURM end-to-end, the
preemption, the manifest and the report tests share them instead of paying for more runs. Each
runs the workflow as every pipeline test does (`tests/pipeline.py`), in the background.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import yaml

from pipeline import REPO, Pipeline, prepare_pipeline
from taskdyn import jobs
from taskdyn.config import train_slice, validate_config

TASKDYN = Path(sys.executable).with_name("taskdyn")
CLUSTER_SH = Path(__file__).resolve().parent / "cluster.sh"
STUDY, TASK, MODEL, SEED = "ctdb", "3bff", "gru", 0
RUN_TIMEOUT_S = 420
THREADS = 1  # torch threads of the training job, in every run and in the reference

# The profile's own packing, as on a real cluster: the datasets, the model (training, evaluation,
# figure) and the study's tables, figures and claims are one submission each. The test cluster
# has no accounts.
SLURM_ARGS = [
    "--profile", str(REPO / "profiles" / "slurm"),
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks", "1",
    "--latency-wait", "5",
    # The test node's 2 CPUs are shared by every job: a second torch thread only contends.
    "--set-threads", f"train_model={THREADS}",
]
LOCAL_ARGS = ["--profile", str(REPO / "profiles" / "local"), "--cores", "2",
              "--set-threads", f"train_model={THREADS}"]


def tiny_config(run: str) -> dict[str, Any]:
    """One flip-flop model × seed: long enough (30 short epochs) to be interrupted mid-way."""
    return {"run": run, "studies": {STUDY: {
        "tasks": {TASK: {"kind": "flipflop", "n_bits": 3, "n_timesteps": 20, "n_trials": 400}},
        "models": {MODEL: {"type": "gru", "latent_size": 8}},
        "seeds": [SEED],
        # A GPU is asked for (and granted by SLURM's fake GPUs): training must say it falls
        # back to the CPU.
        "train": {"epochs": 30, "batch_size": 16, "lr": 0.01, "device": "cuda"},
        "evaluate": {"n_train_trials": 10},
        "analyses": {"trials": {"n_trials": 2}},
    }}}


@dataclass
class Run:
    """A finished run: where it lives and what happened on the way."""

    workdir: Path
    name: str
    seconds: float
    first_output: str  # snakemake's output up to (and including) the interruption
    output: str  # the output of the run that completed
    events: list[str] = field(default_factory=list)
    slurm_jobs: list[tuple[str, str]] = field(default_factory=list)  # (state, comment)

    @property
    def pipeline(self) -> Pipeline:
        """The workflow on this run's working directory and config."""
        return Pipeline(self.workdir)

    @property
    def results(self) -> Path:
        return self.workdir / "results" / self.name

    @property
    def model_dir(self) -> Path:
        return self.results / "models" / STUDY / TASK / MODEL / f"seed{SEED}"

    @property
    def config(self) -> dict[str, Any]:
        return yaml.safe_load((self.workdir / "config.yaml").read_text())

    def train_log(self) -> str:
        path = (self.workdir / "logs" / self.name / "train_model" / STUDY / TASK / MODEL
                / f"seed{SEED}.log")
        return path.read_text()


@functools.cache
def cluster() -> str | None:
    """Start the test cluster once; None when it is up, else the reason it cannot start."""
    proc = subprocess.run([str(CLUSTER_SH), "start"], capture_output=True, text=True,
                          timeout=600)
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or ["cluster.sh start failed"])[-1]
    if "reusing" not in proc.stdout:  # stop only a cluster this session started
        atexit.register(subprocess.run, [str(CLUSTER_SH), "stop"], capture_output=True,
                        timeout=120)
    return None


class Snakemake:
    """A `snakemake` run of `pipeline` in the background, in its own session, output kept in a
    file."""

    def __init__(self, pipeline: Pipeline, args: list[str]):
        self.log = pipeline.workdir / f"snakemake-{time.monotonic_ns()}.log"
        command = pipeline.command(*args)
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def __enter__(self) -> Snakemake:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:  # a failed check left it running: stop it
            self.signal(signal.SIGTERM)  # snakemake cancels its SLURM jobs on SIGTERM
            self.proc.wait(timeout=120)

    def signal(self, signum: int) -> None:
        """Send `signum` to snakemake and every job it runs locally."""
        os.killpg(self.proc.pid, signum)

    def output(self) -> str:
        return self.log.read_text()

    def wait(self, deadline: float) -> int:
        """The exit status; fail if it is still running at `deadline` (time.monotonic())."""
        try:
            return self.proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise AssertionError(f"snakemake did not finish in {RUN_TIMEOUT_S} s:\n"
                                 f"{self.output()[-3000:]}") from None

    def first_checkpoint(self, run_dir: Path, deadline: float) -> Path:
        """The first training checkpoint, as soon as it exists."""
        while time.monotonic() < deadline:
            found = sorted((run_dir / ".checkpoints").rglob("*.pt"))
            if found:
                return found[0]
            if self.proc.poll() is not None:
                raise AssertionError(f"snakemake ended (status {self.proc.returncode}) before "
                                     f"the first checkpoint:\n{self.output()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError("no training checkpoint appeared in time")


def slurm_jobs(workdir: Path) -> list[tuple[str, str]]:
    """(state, comment) of every SLURM job submitted from `workdir`, oldest first."""
    lines = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i|%T|%Z|%k"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    rows = sorted((line.split("|", 3) for line in lines), key=lambda row: int(row[0]))
    return [(state, comment) for _, state, wd, comment in rows if Path(wd) == workdir]


def slurm_training_job(workdir: Path) -> str:
    """The SLURM id of this workdir's running training job."""
    lines = subprocess.run(["squeue", "-h", "-t", "running", "-o", "%i|%Z|%k"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    ids = [i for i, wd, comment in (line.split("|", 2) for line in lines)
           if Path(wd) == workdir and "train_model" in comment]
    assert len(ids) == 1, f"expected one running training job, squeue says {lines}"
    return ids[0]


@functools.cache
def preempted_run(kind: str, base: Path) -> Run:
    """Run the tiny config, interrupting training once; `base` is a fresh directory."""
    workdir = base / kind
    workdir.mkdir(parents=True)
    name = f"test_reliability_{kind}"
    pipeline = prepare_pipeline(workdir, tiny_config(name))
    args = SLURM_ARGS if kind == "slurm" else LOCAL_ARGS
    tic = time.monotonic()
    deadline = tic + RUN_TIMEOUT_S
    events = []

    def event(text: str) -> None:
        events.append(f"{time.monotonic() - tic:.0f} s: {text}")

    with Snakemake(pipeline, args) as first:
        checkpoint = first.first_checkpoint(workdir / "results" / name, deadline)
        event(f"checkpoint {checkpoint.name} written")
        if kind == "slurm":
            job = slurm_training_job(workdir)
            subprocess.run(["scancel", "--signal=USR1", job], check=True)
            event(f"SIGUSR1 to SLURM job {job}; the profile retries it")
        else:
            first.signal(signal.SIGTERM)
            event("SIGTERM to snakemake and its jobs")
        status = first.wait(deadline)
        event(f"snakemake exited with {status}")
        first_output = output = first.output()
    if kind == "local":
        assert status != 0, "the interrupted run reported success"
        with Snakemake(pipeline, args) as rerun:
            status = rerun.wait(deadline)
            event(f"snakemake run again: exited with {status}")
            output = rerun.output()
    assert status == 0, f"the {kind} run failed:\n{output[-5000:]}"
    return Run(workdir=workdir, name=name, seconds=time.monotonic() - tic,
               first_output=first_output, output=output, events=events,
               slurm_jobs=slurm_jobs(workdir) if kind == "slurm" else [])


def reference_training(run: Run, out: Path) -> dict[str, Path]:
    """Train and evaluate the run's model uninterrupted, in this process, on the run's data."""
    config = validate_config(run.config, REPO / "workflow" / "schemas")
    hp = train_slice(config, STUDY, TASK, MODEL)
    data = str(run.results / "data" / STUDY / f"{TASK}.h5")
    paths = {name: out / name for name in ("weights.pt", "meta.json", "history.csv", "eval.h5")}
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        jobs.train_model(study=STUDY, task_name=TASK, model_name=MODEL, hp=hp, seed=SEED,
                         data=data, weights=str(paths["weights.pt"]),
                         meta=str(paths["meta.json"]), history=str(paths["history.csv"]),
                         checkpoint=str(out / "checkpoint.pt"))
        jobs.evaluate_model(study=STUDY, task=TASK, model_name=MODEL, hp=hp,
                            evaluate_cfg=config["studies"][STUDY]["evaluate"], seed=SEED,
                            data=data, weights=str(paths["weights.pt"]), out=str(paths["eval.h5"]))
    finally:
        torch.set_num_threads(threads)
    return paths


def final_row(meta: Path) -> dict[str, float]:
    """The last epoch's losses and metrics from meta.json, without its wall time."""
    final = json.loads(meta.read_text())["final"]
    return {k: v for k, v in final.items() if k != "seconds"}
