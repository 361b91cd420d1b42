"""The manifest of a run: every file under `results/<run>/` with its sha256 and provenance.

`write_manifest` lists each file with its size, sha256, the rule that produced it, the hash of
that job's params (its config), the code version and the job's code fingerprint (its `code` param,
`taskdyn.fingerprint`). The producing rule and params come from Snakemake's
own per-output metadata (`.snakemake/metadata/`, written by the main process when a job
succeeds), so they say what really ran, on SLURM as locally. The code version is the one in the
file's provenance (HDF5 attrs, table header, JSON) or, for files that carry none (figures,
weights), the one that wrote the manifest. `verify` re-hashes a run against its manifest and
recomputes each file's code fingerprint: a file whose code changed since it was written is stale.

Hidden entries (`.checkpoints/`, temporary `.name.tmpPID` files), the manifest itself and the
Snakemake report written afterwards (`report.html`, `report.zip`) are not results and are
neither listed nor checked.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taskdyn.fingerprint import current_record, is_code_record
from taskdyn.io import (
    ResultFileError,
    read_h5_attrs,
    read_json,
    read_table_provenance,
    write_json,
)
from taskdyn.provenance import code_version, config_hash

MANIFEST_NAME = "manifest.json"
NOT_RESULTS = frozenset({MANIFEST_NAME, "report.html", "report.zip"})
FORMAT_VERSION = 1


@dataclass
class Verification:
    """What `verify` found: files whose bytes changed, listed files now missing, unlisted files,
    and files whose job's code changed since they were written (stale)."""

    run_dir: Path
    n_listed: int
    changed: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.unlisted or self.stale)


def result_files(run_dir: str | os.PathLike) -> list[str]:
    """Paths (relative to `run_dir`, '/'-separated, sorted) of every result file of a run."""
    run_dir = Path(run_dir)
    found = []
    for root, dirs, files in os.walk(run_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_root = Path(root).relative_to(run_dir)
        for name in files:
            rel = (rel_root / name).as_posix()
            if not name.startswith(".") and rel not in NOT_RESULTS:
                found.append(rel)
    return sorted(found)


def sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def job_record(path: str, metadata_dir: str | os.PathLike) -> dict[str, Any] | None:
    """Snakemake's metadata record of output `path` (as the rule named it), or None if absent."""
    # Snakemake's file persistence: the urlsafe-base64 path, split into NAME_MAX-1 chunks
    # of which all but the last are directories prefixed with '@'.
    metadata_dir = Path(metadata_dir)
    encoded = base64.urlsafe_b64encode(path.encode()).decode()
    if not metadata_dir.is_dir():
        return None
    size = (os.pathconf(metadata_dir, "PC_NAME_MAX") or 255) - 1
    chunks = [encoded[i : i + size] for i in range(0, len(encoded), size)]
    record = metadata_dir.joinpath(*["@" + c for c in chunks[:-1]], chunks[-1])
    return read_json(record) if record.is_file() else None


def _param_value(recorded: str) -> Any:
    """A param value from Snakemake's record of it (the value's repr)."""
    try:
        return ast.literal_eval(recorded)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return recorded


def params_hash(record: dict[str, Any] | None) -> str | None:
    """Hash of the params (but the code fingerprint) Snakemake recorded for a job; None for jobs
    without params."""
    params = [p for p in (record or {}).get("params") or [] if not is_code_record(_param_value(p))]
    if not params:
        return None
    return config_hash(sorted(params))


def code_param(record: dict[str, Any] | None) -> str | None:
    """The job's recorded `code` param (`taskdyn.fingerprint.code_record`), if it has one."""
    for param in (record or {}).get("params") or []:
        if is_code_record(value := _param_value(param)):
            return value
    return None


def file_code_version(path: Path) -> str | None:
    """The code version in a result file's own provenance, if it carries one."""
    if path.suffix == ".h5":
        prov = read_h5_attrs(path).get("provenance", {})
    elif path.suffix == ".csv":
        prov = read_table_provenance(path)
    elif path.suffix == ".json":
        obj = read_json(path)
        prov = obj.get("provenance", {}) if isinstance(obj, dict) else {}
    else:
        return None
    return prov.get("code_version") if isinstance(prov, dict) else None


def build_manifest(run_dir: str | os.PathLike, *, prefix: str,
                   metadata_dir: str | os.PathLike = ".snakemake/metadata") -> dict[str, Any]:
    """The manifest of `run_dir`; `prefix` is the run directory as Snakemake paths name it."""
    run_dir = Path(run_dir)
    writer_version = code_version()
    entries = []
    for rel in result_files(run_dir):
        path = run_dir / rel
        record = job_record(f"{prefix.rstrip('/')}/{rel}", metadata_dir)
        entries.append({
            "path": rel,
            "bytes": path.stat().st_size,
            "sha256": sha256(path),
            "rule": (record or {}).get("rule"),
            "config_hash": params_hash(record),
            "code_version": file_code_version(path) or writer_version,
            "code": json.loads(code) if (code := code_param(record)) else None,
        })
    return {"format_version": FORMAT_VERSION, "run": run_dir.name, "code_version": writer_version,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"), "files": entries}


def write_manifest(run_dir: str | os.PathLike, out: str | os.PathLike, *,
                   metadata_dir: str | os.PathLike = ".snakemake/metadata") -> None:
    """Write the manifest of `run_dir` (paths as given, relative to the workdir) to `out`."""
    write_json(out, build_manifest(run_dir, prefix=Path(run_dir).as_posix(),
                                   metadata_dir=metadata_dir))


def read_manifest(run_dir: str | os.PathLike) -> dict[str, Any]:
    """The manifest of `run_dir`; ResultFileError naming it when it is missing or malformed."""
    path = Path(run_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ResultFileError(f"{run_dir} has no {MANIFEST_NAME}: run the workflow to write it")
    manifest = read_json(path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise ResultFileError(f"manifest {path} is malformed: no 'files' list")
    return manifest


def verify(run_dir: str | os.PathLike) -> Verification:
    """Re-hash every file of a run and compare with its manifest."""
    run_dir = Path(run_dir)
    listed = {entry["path"]: entry for entry in read_manifest(run_dir)["files"]}
    result = Verification(run_dir=run_dir, n_listed=len(listed))
    current: dict[str, str | None] = {}
    for rel, entry in listed.items():
        path = run_dir / rel
        if not path.is_file():
            result.missing.append(entry)
        elif sha256(path) != entry["sha256"]:
            result.changed.append(entry)
        elif _is_stale(entry.get("code"), current):
            result.stale.append(entry)
    result.unlisted = [rel for rel in result_files(run_dir) if rel not in listed]
    return result


def _is_stale(code: dict[str, Any] | None, current: dict[str, str | None]) -> bool:
    """Whether a file's recorded code fingerprint differs from today's (`current` caches them)."""
    if not code:
        return False
    recorded = json.dumps(code, sort_keys=True, separators=(",", ":"))
    if recorded not in current:
        current[recorded] = current_record(recorded)
    return current[recorded] != recorded


def describe(result: Verification) -> Iterator[str]:
    """Human-readable lines: one per problem, then a summary."""
    for kind, entries in (("changed", result.changed), ("missing", result.missing),
                          ("stale", result.stale)):
        for entry in entries:
            rule = f" (written by rule {entry['rule']})" if entry["rule"] else ""
            yield f"{kind:<9} {entry['path']}{rule}"
    for rel in result.unlisted:
        yield f"{'unlisted':<9} {rel}"
    if result.ok:
        yield f"{result.run_dir}: all {result.n_listed} files match the manifest"
    else:
        stale = f"{len(result.stale)} stale (code changed since), " if result.stale else ""
        yield (f"{result.run_dir}: {stale}{len(result.changed)} changed, "
               f"{len(result.missing)} missing, {len(result.unlisted)} unlisted "
               f"of {result.n_listed} listed files")
