"""Studies: each module `taskdyn.studies.<name>` exposes `STUDY`, a `taskdyn.studies.base.Study`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the contract imports torch, which table and figure jobs do not need
    from taskdyn.studies.base import Study

__all__ = ["get_study"]


def get_study(name: str) -> Study:
    """The study registered as module `taskdyn.studies.<name>`."""
    try:
        module = importlib.import_module(f"taskdyn.studies.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"taskdyn.studies.{name}":
            raise
        raise ValueError(f"unknown study {name!r}: no module taskdyn.studies.{name}") from err
    return module.STUDY
