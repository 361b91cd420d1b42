"""Reading and writing results: atomic files, the common HDF5 layout, tables with provenance.

Every writer here writes to a temporary sibling and renames it into place, so a crash never
leaves a half-written file under the final name. Every reader raises `ResultFileError`, naming
the file, when it is missing, truncated or not what it claims to be.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

SCHEMA_VERSION = "1"


class ResultFileError(RuntimeError):
    """A result or checkpoint file is missing, truncated or malformed."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file, naming it in the error when it cannot be parsed."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ResultFileError(f"cannot read JSON file {path}: {err}") from err


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


# ---------------------------------------------------------------------------------------------
# HDF5: nested mappings of arrays, each array with named dimensions
# ---------------------------------------------------------------------------------------------


def write_h5(
    path: str | os.PathLike,
    arrays: Mapping[str, Any],
    dims: Mapping[str, str] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> None:
    """Write a nested mapping of arrays to HDF5 atomically.

    `arrays` maps names to arrays or to nested mappings (written as groups). `dims` maps a
    slash-separated dataset path to its comma-separated axis names (e.g. "trial,time,unit");
    each named array's ndim is checked against it before the file is opened. `attrs` are
    written on the root; dicts and lists are stored as JSON strings.
    """
    dims = dict(dims or {})
    flat = dict(_flatten(arrays))
    for name, value in flat.items():
        if value.dtype == object and not h5py.check_string_dtype(value.dtype):
            raise TypeError(f"{path}: dataset {name!r} is an object array; store numbers or strings")
        if name in dims and len(dims[name].split(",")) != value.ndim:
            raise ValueError(
                f"{path}: dataset {name!r} has shape {value.shape} but dims {dims[name]!r}"
            )
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["schema_version"] = SCHEMA_VERSION
            for key, value in (attrs or {}).items():
                f.attrs[key] = _attr_value(value)
            for name, value in flat.items():
                ds = f.create_dataset(name, data=value)
                if name in dims:
                    ds.attrs["dims"] = dims[name]
            f.attrs["complete"] = True


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, name + "/")
        else:
            array = np.asarray(value)
            if array.dtype.kind == "U":
                array = array.astype(h5py.string_dtype())
            yield name, array


def _attr_value(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True, default=_json_default)
    return value


def read_h5(path: str | os.PathLike, names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Read datasets (all, or the slash-separated `names`) into a flat dict of numpy arrays."""
    with open_h5(path) as f:
        if names is None:
            names = []
            f.visititems(lambda n, obj: names.append(n) if isinstance(obj, h5py.Dataset) else None)
        out = {}
        for name in names:
            if name not in f:
                raise ResultFileError(f"{path}: has no dataset {name!r}")
            data = f[name][()]
            if isinstance(data, bytes) or (isinstance(data, np.ndarray) and data.dtype == object):
                data = np.asarray(f[name].asstr()[()])
            out[name] = data
        return out


def read_h5_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """Read the root attributes, decoding the JSON-encoded ones."""
    with open_h5(path) as f:
        return {key: _decode_attr(value) for key, value in f.attrs.items()}


def _decode_attr(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if isinstance(value, np.generic):
        return value.item()
    return value


@contextlib.contextmanager
def open_h5(path: str | os.PathLike) -> Iterator[h5py.File]:
    """Open an HDF5 file for reading; a missing, truncated or unfinished file raises ResultFileError."""
    if not Path(path).exists():
        raise ResultFileError(f"HDF5 file {path} does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise ResultFileError(f"HDF5 file {path} is truncated or corrupt: {err}") from err
    with f:
        if not f.attrs.get("complete", False):
            raise ResultFileError(f"HDF5 file {path} was not completely written")
        yield f


# ---------------------------------------------------------------------------------------------
# Tables: long CSV with a provenance header of '#' lines
# ---------------------------------------------------------------------------------------------


def write_table(path: str | os.PathLike, table: pd.DataFrame, provenance: Mapping[str, Any]) -> None:
    """Write a CSV table atomically, preceded by one '# key: value' line per provenance entry."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="") as f:
            for key, value in sorted(provenance.items()):
                text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
                f.write(f"# {key}: {text}\n")
            table.to_csv(f, index=False)


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by `write_table` (provenance lines skipped)."""
    try:
        return pd.read_csv(path, comment="#")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ResultFileError(f"cannot read table {path}: {err}") from err


def read_table_provenance(path: str | os.PathLike) -> dict[str, str]:
    """Return the '# key: value' provenance header of a table as strings."""
    out = {}
    with open(path) as f:
        for line in f:
            if not line.startswith("# "):
                break
            key, _, value = line[2:].rstrip("\n").partition(": ")
            out[key] = value
    return out
