"""The workflow's own speed: `snakemake` dry runs, a no-op rerun and the default run end to end.

Notes give the CPU time too: wall time also counts waits outside the workflow (the SLURM plugin
runs `scontrol show config` at start-up, ~9 s where SLURM is installed but its controller is
down).
"""

from __future__ import annotations

import re
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from taskdyn.bench.report import Figure
from taskdyn.bench.timing import timed


def snakemake_command(*args: str) -> list[str]:
    """`snakemake` of this Python environment with `args`."""
    return [str(Path(sys.executable).with_name("snakemake")), *args]


def run_snakemake(command: list[str]) -> str:
    """Run `command`; its output, or a RuntimeError with the command and the end of its errors."""
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout + done.stderr


def child_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def snakemake_jobs(output: str) -> int:
    """The job count of a dry run's 'Job stats' table (0 when there is nothing to do)."""
    totals = re.findall(r"^total\s+(\d+)", output, flags=re.MULTILINE)
    return int(totals[-1]) if totals else 0


def timed_commands(command: list[str], repeats: int) -> tuple[list[float], float, list[str]]:
    """Seconds of `repeats` runs of `command`, their mean CPU seconds, and their outputs."""
    outputs: list[str] = []
    cpu0 = child_cpu_seconds()
    runs = timed(lambda: outputs.append(run_snakemake(command)), repeats, warmup=0)
    return runs, (child_cpu_seconds() - cpu0) / repeats, outputs


def bench_snakemake(repeats: int) -> list[Figure]:
    """`snakemake -n` on config/paper.yaml and config/config.yaml, and a rerun of the default
    config where its dry run has nothing to do."""
    figures = []
    for label, configfile in (("paper", "config/paper.yaml"), ("default", "config/config.yaml")):
        runs, cpu, outputs = timed_commands(snakemake_command("-n", "--configfile", configfile),
                                            repeats)
        jobs = snakemake_jobs(outputs[-1])
        figures.append(Figure(f"snakemake -n ({label})", configfile, statistics.median(runs),
                              "s", runs, f"{jobs} jobs, {cpu:.1f} s CPU"))
        if label == "default" and jobs == 0:
            runs, cpu, _ = timed_commands(snakemake_command(
                "--cores", "1", "--nolock", "--configfile", configfile), repeats)
            figures.append(Figure("no-op rerun (default)", configfile, statistics.median(runs),
                                  "s", runs, f"nothing to be done, {cpu:.1f} s CPU"))
    return figures


def bench_default_run(configfile: str = "config/config.yaml",
                      run: str = "bench-default") -> list[Figure]:
    """The default pipeline end to end from nothing, as `make run` runs it (`profiles/local`),
    into the scratch run `results/<run>` (removed first, and after), timed once (it takes
    minutes); then three no-op reruns of it (nothing left to do)."""
    command = snakemake_command("--profile", "profiles/local", "--configfile", configfile,
                                "--config", f"run={run}")
    scratch = [Path(top) / run for top in ("results", "logs", "benchmarks")]

    def clear() -> None:
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)

    clear()
    try:
        [seconds], cpu, [output] = timed_commands(command, 1)
        steps = re.findall(r"(\d+) of (\d+) steps", output)
        jobs = steps[-1][1] if steps else "?"
        reruns, rerun_cpu, outputs = timed_commands(command, 3)
        idle = all("Nothing to be done" in out for out in outputs)
    finally:
        clear()
    return [Figure("default run end to end", f"{configfile}, profiles/local", seconds, "s",
                   [seconds], f"{jobs} jobs, {cpu / 60:.1f} CPU-minutes, timed once"),
            Figure("no-op rerun (default run)", f"{configfile}, profiles/local",
                   statistics.median(reruns), "s", reruns,
                   f"{'nothing to be done' if idle else 'WORK WAS RERUN'}, "
                   f"{rerun_cpu:.1f} s CPU")]
