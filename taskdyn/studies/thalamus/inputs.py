"""The files a thalamus dataset reads: each bAbI task's train and test file, from `data.source`.

Free of torch: the workflow asks it for the make_dataset rule's inputs on every parse
(`taskdyn.studies.get_dataset_inputs`), and the bAbI download rule for the files it extracts.
"""

from __future__ import annotations

from typing import Any

from taskdyn.tasks.babi_generate import babi_file_name

SPLITS = ("train", "test")


def input_name(babi_task: int, split: str) -> str:
    """The name of one bAbI file among a dataset's inputs."""
    return f"qa{babi_task}_{split}"


def dataset_inputs(study_cfg: dict[str, Any], run: str, task: str) -> dict[str, str]:
    """`qa<N>_<split>` → path of every bAbI file configuration `task` is parsed from."""
    return {input_name(n, s): babi_file(study_cfg, run, n, s)
            for n in study_cfg["tasks"][task]["babi_tasks"] for s in SPLITS}


def babi_file(study_cfg: dict[str, Any], run: str, babi_task: int, split: str) -> str:
    """Where one bAbI file is read from, by `data.source`."""
    name, data = babi_file_name(babi_task, split), study_cfg["data"]
    if data["source"] == "generate":
        return f"results/{run}/babi/thalamus/generated/{name}"
    if data["source"] == "download":
        return f"results/{run}/babi/thalamus/download/{data['subset']}/{name}"
    return f"{data['path'].rstrip('/')}/{name}"


def downloaded_files(study_cfg: dict[str, Any]) -> list[str]:
    """Paths, below the download directory, of every configured task's files."""
    wanted = sorted({n for c in study_cfg["tasks"].values() for n in c["babi_tasks"]})
    return [f"{study_cfg['data']['subset']}/{babi_file_name(n, s)}" for n in wanted
            for s in SPLITS]
