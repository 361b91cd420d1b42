"""Model families shared by the studies.

The recurrent models (`MODEL_TYPES`, `RecurrentModel`, `build_recurrent_model`, from
`taskdyn.models.recurrent`) are imported on first use, so the torch-free `taskdyn.models.spec`
that config checks read loads without torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MODEL_TYPES", "RecurrentModel", "build_recurrent_model"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from taskdyn.models import recurrent

        return getattr(recurrent, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
