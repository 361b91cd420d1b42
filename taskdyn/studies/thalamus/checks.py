"""The thalamus study's config checks a schema cannot express, and what its evaluation provides
to the generic analyses (`taskdyn.catalogue`), without torch (`validate_config` runs them each
time the workflow is parsed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskdyn.tasks.babi_generate import GENERATED_TASKS, babi_file_name

# Per-question labels: the configuration's task index, the bAbI task number, the answer word.
LABELS = ("task", "babi_task", "answer")
HOW_TO_PROVIDE = {"training": "set studies.thalamus.evaluate.n_train_trials above 0"}


def provides(cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{configuration: pieces of the common evaluation layout} (see `taskdyn.catalogue`): the
    hidden states are the story encoder's per-token states; the readers have no one-step map."""
    pieces = {"hidden", "held_out", *(f"labels/{label}" for label in LABELS)}
    if cfg["evaluate"]["n_train_trials"] > 0:
        pieces.add("training")
    return {name: set(pieces) for name in cfg["tasks"]}


def trial_steps(cfg: dict[str, Any]) -> dict[str, int]:
    """{configuration: story tokens per question}."""
    return {name: task["max_story_tokens"] for name, task in cfg["tasks"].items()}


def check_config(cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """Checks beyond the schema: data source, generable tasks, heads that divide widths."""
    data, problems = cfg["data"], []
    wanted = sorted({n for t in cfg["tasks"].values() for n in t["babi_tasks"]})
    if data["source"] == "generate":
        problems += [(f"tasks.{name}.babi_tasks", f"task {n} cannot be generated; "
                      f"generated tasks: {list(GENERATED_TASKS)}")
                     for name, t in cfg["tasks"].items() for n in t["babi_tasks"]
                     if n not in GENERATED_TASKS]
    for name, model in cfg["models"].items():
        if model["type"] != "thalamus":
            continue
        if (2 * model["hidden_size"]) % model["n_heads"]:
            problems.append((f"models.{name}.n_heads",
                             f"must divide 2 * hidden_size = {2 * model['hidden_size']}"))
        if model["workspace_size"] % model["workspace_heads"]:
            problems.append((f"models.{name}.workspace_heads",
                             f"must divide workspace_size = {model['workspace_size']}"))
    if data["source"] == "path":
        path = data.get("path")
        if not path:
            return [("data.path", "required when data.source is 'path'")]
        if not Path(path).is_dir():
            return [("data.path", f"directory {path!r} does not exist")]
        missing = [babi_file_name(n, s) for n in wanted for s in ("train", "test")
                   if not (Path(path) / babi_file_name(n, s)).is_file()]
        if missing:
            problems.append(("data.path", f"{path!r} lacks {missing}"))
    return problems
