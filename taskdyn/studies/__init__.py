"""Studies: each module `taskdyn.studies.<name>` exposes `STUDY`, a `taskdyn.studies.base.Study`.

A study's config checks live apart from `STUDY`, free of torch, as a module-level
`check_config`: in `taskdyn.studies.<name>.checks` for a study package, in
`taskdyn.studies.<name>_checks` beside a study module. `get_config_check` finds it, so config
validation, which runs each time the workflow is parsed, imports neither the study nor torch.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the contract imports torch, which table and figure jobs do not need
    from taskdyn.studies.base import Study

__all__ = ["ConfigCheck", "get_config_check", "get_study"]

# (study config) → (key within the study's config, message) for each problem
ConfigCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]


def get_study(name: str) -> Study:
    """The study registered as module `taskdyn.studies.<name>`."""
    try:
        module = importlib.import_module(f"taskdyn.studies.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"taskdyn.studies.{name}":
            raise
        raise ValueError(f"unknown study {name!r}: no module taskdyn.studies.{name}") from err
    return module.STUDY


def get_config_check(name: str) -> ConfigCheck | None:
    """The light `check_config` of study `name` (None if it has no checks module), found
    without importing the study module itself."""
    spec = importlib.util.find_spec(f"taskdyn.studies.{name}")
    if spec is None:
        raise ValueError(f"unknown study {name!r}: no module taskdyn.studies.{name}")
    is_package = spec.submodule_search_locations is not None
    checks = f"taskdyn.studies.{name}{'.checks' if is_package else '_checks'}"
    if importlib.util.find_spec(checks) is None:
        return None
    return importlib.import_module(checks).check_config
