"""Studies: each is a package `taskdyn.studies.<name>` of the same shape.

- `__init__`: what the study is, and light constants the workflow reads without torch;
- `study`: `STUDY`, its `taskdyn.studies.base.Study` (datasets, models, training, evaluation);
- `checks`: `check_config(study_cfg)`, the checks a schema cannot express, free of torch (config
  validation imports it each time the workflow is parsed);
- `claims`: the paper's claims, checked against the run's tables;
- only where needed: `inputs` (`dataset_inputs`: the files a dataset reads, free of torch),
  `tasks`, `training`, `analysis`, `plotting`, `jobs` (the study's own pipeline stages).

`get_study` imports `study` on first use, so config validation and table or figure jobs, which
need neither torch nor the model, start without importing them.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the contract imports torch, which table and figure jobs do not need
    from taskdyn.studies.base import Study

__all__ = ["ConfigCheck", "DatasetInputs", "get_config_check", "get_dataset_inputs", "get_study"]

# (study config) → (key within the study's config, message) for each problem
ConfigCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]
# (study config, run, task) → {input name: path} of the files the task's dataset reads
DatasetInputs = Callable[[dict[str, Any], str, str], dict[str, str]]


def _package(name: str) -> str:
    """The study's package name, after checking that it exists."""
    if importlib.util.find_spec(f"taskdyn.studies.{name}") is None or not name.isidentifier():
        raise ValueError(f"unknown study {name!r}: no package taskdyn.studies.{name}")
    return f"taskdyn.studies.{name}"


def get_study(name: str) -> Study:
    """The study `name`: `STUDY` of module `taskdyn.studies.<name>.study`."""
    return importlib.import_module(f"{_package(name)}.study").STUDY


def get_config_check(name: str) -> ConfigCheck:
    """The light `check_config` of study `name`, found without importing its `study` module."""
    return importlib.import_module(f"{_package(name)}.checks").check_config


def get_dataset_inputs(name: str) -> DatasetInputs:
    """The light `dataset_inputs` of study `name` (its `inputs` module), found without importing
    its `study` module; a study without one reads no files into its datasets."""
    package = _package(name)
    if importlib.util.find_spec(f"{package}.inputs") is None:
        return _no_inputs
    return importlib.import_module(f"{package}.inputs").dataset_inputs


def _no_inputs(study_cfg: dict[str, Any], run: str, task: str) -> dict[str, str]:
    return {}
