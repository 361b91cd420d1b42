"""Which files the thalamus rules read and request, derived from the study's config slice.

`workflow/rules/studies/thalamus.smk` calls these from lambdas, so the rule file holds rules
only. `cfg` is the validated `studies.thalamus` mapping (schema defaults filled in).
"""

from __future__ import annotations

from typing import Any

from taskdyn.tasks.babi_generate import babi_file_name

SPLITS = ("train", "test")


def readers(cfg: dict[str, Any]) -> list[str]:
    """Models that take a task id and tag phases (type thalamus, gated or not)."""
    return [m for m, c in cfg["models"].items() if c["type"] == "thalamus"]


def gated(cfg: dict[str, Any]) -> list[str]:
    """Models with a top-k gate."""
    return [m for m in readers(cfg) if cfg["models"][m]["gate"] == "topk"]


def babi_file(cfg: dict[str, Any], run: str, babi_task: int, split: str) -> str:
    """Where one bAbI file is read from, by `data.source`."""
    name, data = babi_file_name(babi_task, split), cfg["data"]
    if data["source"] == "generate":
        return f"results/{run}/babi/thalamus/generated/{name}"
    if data["source"] == "download":
        return f"results/{run}/babi/thalamus/download/{data['subset']}/{name}"
    return f"{data['path'].rstrip('/')}/{name}"


def dataset_files(cfg: dict[str, Any], run: str, task: str) -> dict[str, dict[str, str]]:
    """{bAbI task: {split: path}} of configuration `task`."""
    return {str(n): {s: babi_file(cfg, run, n, s) for s in SPLITS}
            for n in cfg["tasks"][task]["babi_tasks"]}


def downloaded_files(cfg: dict[str, Any]) -> list[str]:
    """Paths, below the download directory, of every configured task's files."""
    wanted = sorted({n for c in cfg["tasks"].values() for n in c["babi_tasks"]})
    return [f"{cfg['data']['subset']}/{babi_file_name(n, s)}" for n in wanted for s in SPLITS]


def runs(cfg: dict[str, Any], models: list[str]) -> list[dict[str, Any]]:
    """(model, seed) of every trained reader among `models`, in input order."""
    return [{"model": m, "seed": s} for m in cfg["models"] if m in models for s in cfg["seeds"]]


def evaluations(cfg: dict[str, Any], pattern: str, run: str, task: str,
                models: list[str]) -> list[str]:
    """The evaluation files (`pattern` of rule evaluate_model) of `models` × seeds."""
    return [pattern.format(run=run, study="thalamus", task=task, **r) for r in runs(cfg, models)]


def targets(cfg: dict[str, Any], run: str) -> list[str]:
    """Tables and figures of every configuration (task swap only where tasks are several)."""
    out = []
    for task, task_cfg in cfg["tasks"].items():
        tables, figures = (f"results/{run}/{kind}/thalamus/{task}" for kind in ("tables",
                                                                              "figures"))
        out += [f"{tables}/accuracy.csv", f"{figures}/accuracy.png"]
        if readers(cfg):
            out.append(f"{tables}/gating.csv")
            if len(task_cfg["babi_tasks"]) > 1:
                out += [f"{tables}/task_swap.csv", f"{figures}/task_swap.png"]
        out += [f"{figures}/{r['model']}/seed{r['seed']}/{name}.png"
                for name in ("salience", "phases") if name in cfg["analyses"]
                for r in runs(cfg, gated(cfg))]
    return out
