"""The synthetic-thalamus study: task-conditioned top-k token gating for bAbI question answering.

A study *task* is a configuration: one bAbI task (single-task) or several (multi-task, the task
id fed to the thalamus). Its dataset is parsed from bAbI files, generated, downloaded or read
from a path (`data.source`), which `inputs.dataset_inputs` declares to the workflow. Models are
the thalamus reader with its learned gate, the same reader without a gate or with a rule gate
(last k, random k, oracle) and a plain LSTM reader. Evaluation runs on the official test split
and records per-token states, the gate's choices, phase tags and the answers given under every
task id.

Modules: `study` (datasets, models, training, evaluation: `STUDY`), `checks` (the config
checks, without torch), `inputs` (the bAbI files a dataset reads), `claims` (the idea's testable
predictions), `analysis` (gate scores, accuracy by group, phase tags), `jobs` (bAbI files,
tables, figures) and `plotting`. Config validation and the table and figure jobs import
neither torch nor the model.
"""

from __future__ import annotations

from typing import Any


def readers(cfg: dict[str, Any]) -> list[str]:
    """Models that take a task id and tag phases (type thalamus, gated or not)."""
    return [m for m, c in cfg["models"].items() if c["type"] == "thalamus"]


def gated(cfg: dict[str, Any]) -> list[str]:
    """Models with the learned top-k gate."""
    return [m for m in readers(cfg) if cfg["models"][m]["gate"] == "topk"]


def gate_label(model: dict[str, Any]) -> str:
    """Which tokens a model keeps: `learned` (the top-k gate), a rule gate (`last_k`,
    `random_k`, `oracle`), `none` (all) or, for other model types, the type (`lstm`)."""
    if model["type"] != "thalamus":
        return model["type"]
    return "learned" if model["gate"] == "topk" else model["gate"]


def gates(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{model: {gate: its `gate_label`, k: tokens kept (None for models that keep all)}}."""
    out = {}
    for name, model in cfg["models"].items():
        label = gate_label(model)
        out[name] = {"gate": label, "k": model["k"] if label not in ("none", "lstm") else None}
    return out


def task_models(cfg: dict[str, Any], task: str) -> list[str]:
    """The models trained on configuration `task`: its `models` list, else every model (in
    config order)."""
    chosen = cfg["tasks"][task].get("models")
    return [m for m in cfg["models"] if chosen is None or m in chosen]


def swap_configs(cfg: dict[str, Any]) -> list[str]:
    """Configurations with several bAbI tasks and a reader that takes the task id: those with a
    task swap (and, for learned gates, a gate overlap)."""
    return [t for t, task in cfg["tasks"].items()
            if len(task["babi_tasks"]) > 1 and set(readers(cfg)) & set(task_models(cfg, t))]


def runs(cfg: dict[str, Any], models: list[str], task: str | None = None) -> list[dict[str, Any]]:
    """(model, seed) of every trained model among `models` (on configuration `task`, if
    given), in config order."""
    trained = task_models(cfg, task) if task is not None else list(cfg["models"])
    return [{"model": m, "seed": s} for m in cfg["models"] if m in models and m in trained
            for s in cfg["seeds"]]
