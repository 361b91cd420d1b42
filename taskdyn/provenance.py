"""Provenance stamped on every result: code version, package versions, config hash, time."""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import taskdyn

# listed in every record, imported or not: the environment results depend on
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


def package_versions() -> dict[str, str]:
    """Installed versions of `PACKAGES` and of every third-party distribution imported so far
    (read at each call: a job's later imports count), sorted by name."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    for module in {name.partition(".")[0] for name in list(sys.modules)}:
        if module not in sys.stdlib_module_names and not module.startswith("_") \
                and (found := distribution_of(module)) is not None:
            versions.setdefault(*found)
    versions.pop("taskdyn", None)  # recorded as `code_version`
    return dict(sorted(versions.items(), key=lambda item: item[0].lower()))


@functools.cache
def _distributions() -> tuple[dict[str, tuple[str, str]], tuple[metadata.Distribution, ...]]:
    """Top-level module → (distribution, version) from the distributions' `top_level.txt` and
    normalised names, and the distributions without a `top_level.txt` (searched on demand:
    reading every file list costs more than the rest of a record)."""
    index: dict[str, tuple[str, str]] = {}
    unlisted = []
    for dist in metadata.distributions():
        name, version = dist.metadata["Name"], dist.version
        top_level = dist.read_text("top_level.txt")
        if top_level is None:
            unlisted.append(dist)
        for module in (top_level or "").split():
            index.setdefault(module, (name, version))
        index.setdefault(name.lower().replace("-", "_"), (name, version))
    return index, tuple(unlisted)


@functools.cache
def distribution_of(module: str) -> tuple[str, str] | None:
    """(distribution, version) that installed top-level `module`, or None (not installed from
    a distribution: a local module or an extension of the interpreter)."""
    index, unlisted = _distributions()
    if module in index:
        return index[module]
    for dist in unlisted:
        record = "\n" + (dist.read_text("RECORD") or "")
        if f"\n{module}/" in record or f"\n{module}.py," in record:
            return dist.metadata["Name"], dist.version
    return None


def provenance(cfg: Any, **extra: Any) -> dict[str, Any]:
    """The provenance record for a result computed from config slice `cfg`."""
    return {
        "code_version": code_version(),
        "config_hash": config_hash(cfg),
        "packages": package_versions(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def carried(record: dict[str, Any]) -> dict[str, Any]:
    """The extras of a `provenance` record (what its result was made from, e.g. a dataset's
    encoder weights), for the records of results computed from that result."""
    own = ("code_version", "config_hash", "packages", "created_utc")
    return {k: v for k, v in record.items() if k not in own}
