"""Which files the thalamus table and figure rules read and request, from the study's config.

`workflow/rules/studies/thalamus.smk` calls these from lambdas, so the rule file holds rules
only. `cfg` is the validated `studies.thalamus` mapping (schema defaults filled in). The files a
dataset reads are declared in `taskdyn.studies.thalamus.inputs`.
"""

from __future__ import annotations

from typing import Any


def readers(cfg: dict[str, Any]) -> list[str]:
    """Models that take a task id and tag phases (type thalamus, gated or not)."""
    return [m for m, c in cfg["models"].items() if c["type"] == "thalamus"]


def gated(cfg: dict[str, Any]) -> list[str]:
    """Models with a top-k gate."""
    return [m for m in readers(cfg) if cfg["models"][m]["gate"] == "topk"]


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
