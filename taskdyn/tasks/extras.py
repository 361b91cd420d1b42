"""Optional extras of the task generators, looked up without importing them.

MotorNet (GPL-3.0, the `motor` extra) drives the RandomTarget arm and imports torch on import;
config checks only ask whether it is installed, so parsing the workflow stays free of torch.
`taskdyn.tasks.random_target.motornet` imports it when a reaching task runs.
"""

from __future__ import annotations

import importlib.util

MOTORNET_MISSING = ("randomtarget tasks need the optional MotorNet extra (GPL-3.0): "
                    "pip install -e '.[motor]'")


def motornet_installed() -> bool:
    """Whether the `motornet` package is installed (found, not imported)."""
    return importlib.util.find_spec("motornet") is not None
