"""Sweeps of the analogy study: one knob at a time around a base model and task.

The `sweep:` block names a base model and task and lists values of the learning rate, weight
decay, batch size (train settings), width `d_model`, depth `n_layer` (model), or the relation
count `num_relations`, entity count `num_entities` (E1 and E2 keep `sub_size`; the extra
entities are OTHER's) or held-out share of the analogical facts `analogical_ood_ratio` (task).
Each value other than the base's own becomes a model or task entry named
`<base>_<knob>_<value>` (0.001 → `0p001`, 1e-05 → `1em05`), so every sweep point × seed is an
ordinary job of the generic `{task}/{model}/seed{seed}` scheme. Points do not cross: a task
point trains the base model only (its `models` list), and a model point joins the base task's
`models` list where that task has one. The sweep's `seeds` (a subset of the study's, default
all) are the points' seeds: a knob's values need a few seeds each, the base the most.
"""

from __future__ import annotations

import copy
from typing import Any

TRAIN_KNOBS = ("lr", "weight_decay", "batch_size")
MODEL_KNOBS = ("d_model", "n_layer")
TASK_KNOBS = ("num_relations", "num_entities", "analogical_ood_ratio")
SWEEP_KNOBS = TRAIN_KNOBS + MODEL_KNOBS + TASK_KNOBS


def expand_sweep(study_cfg: dict[str, Any]) -> dict[str, Any]:
    """A copy of `study_cfg` with the models and tasks of its sweep points added."""
    cfg = copy.deepcopy(study_cfg)
    if not study_cfg.get("sweep"):
        return cfg
    entries = sweep_entries(study_cfg)
    for kind, named in entries.items():
        for name, entry in named.items():
            cfg[kind].setdefault(name, entry)
    base_models = cfg["tasks"][study_cfg["sweep"]["task"]].get("models")
    if base_models is not None:
        base_models.extend(m for m in entries["models"] if m not in base_models)
    return cfg


def sweep_entries(study_cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The models and tasks that realise the sweep points other than the base."""
    sweep = study_cfg.get("sweep") or {}
    entries: dict[str, dict[str, Any]] = {"tasks": {}, "models": {}}
    for point in sweep_points(study_cfg):
        kind, key = ("tasks", "task") if point["knob"] in TASK_KNOBS else ("models", "model")
        if point[key] != sweep[key]:
            entry = _with_value(study_cfg[kind][sweep[key]], point["knob"], point["value"])
            if kind == "tasks":
                entry["models"] = [sweep["model"]]
            if "seeds" in sweep:
                entry["seeds"] = list(sweep["seeds"])
            entries[kind][point[key]] = entry
    return entries


def sweep_points(study_cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Every sweep point: its knob, value, and the task and model that realise it."""
    sweep = study_cfg.get("sweep") or {}
    if not sweep:
        return []
    task, model = sweep["task"], sweep["model"]
    points = []
    for knob in SWEEP_KNOBS:
        for value in sweep.get(knob, []):
            point = {"knob": knob, "value": value, "task": task, "model": model}
            if _base_value(study_cfg, knob) != value:
                key = "task" if knob in TASK_KNOBS else "model"
                point[key] = f"{point[key]}_{knob}_{_slug(value)}"
            points.append(point)
    return points


def _base_value(study_cfg: dict[str, Any], knob: str) -> Any:
    sweep = study_cfg["sweep"]
    if knob in TASK_KNOBS:
        return study_cfg["tasks"][sweep["task"]][knob]
    model = study_cfg["models"][sweep["model"]]
    if knob in MODEL_KNOBS:
        return model[knob]
    return {**study_cfg.get("train", {}), **model.get("train", {})}.get(knob)


def _with_value(base: dict[str, Any], knob: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(base)
    if knob in TRAIN_KNOBS:
        out.setdefault("train", {})[knob] = value
    else:
        out[knob] = value
    return out


def _slug(value: Any) -> str:
    """A name-safe form of a number: 0.001 → 0p001, 1e-05 → 1em05."""
    return f"{value:g}".replace("-", "m").replace("+", "").replace(".", "p")


def task_problems(key: str, task: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems of a task config, keyed under `key`."""
    num_relations, problems = task["num_relations"], []
    if 2 * task["sub_size"] > task["num_entities"]:
        problems.append((f"{key}.sub_size", f"2 × sub_size ({2 * task['sub_size']}) exceeds "
                         f"num_entities ({task['num_entities']}): E1 and E2 must be disjoint"))
    if not task["duplicate_relation"] and num_relations < task["sub_size"] - 1:
        problems.append((f"{key}.num_relations", f"{num_relations} relations cannot label the "
                         f"{task['sub_size'] - 1} out-edges of an E1 entity without repeats "
                         "(duplicate_relation is false)"))
    return problems


def model_problems(key: str, model: dict[str, Any], d_model: int) -> list[tuple[str, str]]:
    """Problems of a model config (with width `d_model`), keyed under `key`."""
    if d_model % model["n_head"] or (d_model // model["n_head"]) % 2:
        return [(f"{key}.d_model", f"{d_model} does not split into {model['n_head']} heads of "
                 "even size (RoPE rotates pairs of dimensions)")]
    return []


def sweep_problems(study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems of the `sweep:` block: unknown base entries, bad values, clashing names."""
    sweep = study_cfg.get("sweep") or {}
    if not sweep:
        return []
    for ref, kind in (("model", "models"), ("task", "tasks")):
        if sweep[ref] not in study_cfg[kind]:
            return [(f"sweep.{ref}", f"{sweep[ref]!r} is not one of the {kind}: "
                     f"{sorted(study_cfg[kind])}")]
    task, model = study_cfg["tasks"][sweep["task"]], study_cfg["models"][sweep["model"]]
    problems = []
    own = {msg for _, msg in task_problems("", task)}  # the base task's are reported there
    for knob in TASK_KNOBS:
        for value in sweep.get(knob, []):
            problems += [(f"sweep.{knob}", msg) for _, msg in
                         task_problems("", _with_value(task, knob, value)) if msg not in own]
    for value in sweep.get("d_model", []):
        problems += [("sweep.d_model", msg) for _, msg in model_problems("", model, value)]
    for kind, entries in sweep_entries(study_cfg).items():
        for name, entry in entries.items():
            if study_cfg[kind].get(name, entry) != entry:
                problems.append((f"sweep.{kind}", f"the sweep point {name!r} clashes with a "
                                 f"different entry of {kind}"))
    return problems
