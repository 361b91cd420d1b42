"""Provenance stamped on every result: code version, package versions, config hash, time."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import taskdyn

PACKAGES = ("torch", "numpy", "scipy", "pandas", "h5py", "scikit-learn", "ripser", "persim",
            "matplotlib", "snakemake")


def config_hash(cfg: Any) -> str:
    """Short sha256 of a config slice in canonical (key-sorted) JSON form."""
    text = json.dumps(cfg, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@functools.cache
def code_version() -> str:
    """taskdyn's version plus the git commit it runs from ('+dirty' when the tree has edits)."""
    root = Path(taskdyn.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{taskdyn.__version__}+{commit}"


@functools.cache
def package_versions() -> dict[str, str]:
    """Installed versions of the packages results depend on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance(cfg: Any, **extra: Any) -> dict[str, Any]:
    """The provenance record for a result computed from config slice `cfg`."""
    return {
        "code_version": code_version(),
        "config_hash": config_hash(cfg),
        "packages": package_versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }
