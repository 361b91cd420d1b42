"""Native kernels built on first use: a C source of this package, compiled with the system C
compiler for this CPU into a per-machine cache and loaded with ctypes.

Without a compiler (or with TASKDYN_NATIVE=0) `load` returns None and callers use PyTorch ops;
`kernel_for` also picks the functions for a tensor's dtype. The library is compiled with
-ffast-math (so `expf` vectorises) but linked without it, so the process's denormal handling
is left alone; its OpenMP is the libgomp.so.1 PyTorch has already loaded (one thread pool),
which is why this module imports torch before any library is loaded. Builds write a temporary
file and rename it, so concurrent jobs never load a half-written library. Each library has a
JSON record beside it (compiler, its version, the flags it was compiled and linked with) that
`kernel_for` notes in the job's `taskdyn.runinfo` record whenever the library runs.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

import torch

from taskdyn import runinfo

log = logging.getLogger(__name__)

COMPILE_FLAGS = ("-O3", "-march=native", "-ffast-math", "-fPIC")


def cache_dir() -> Path:
    """Where built libraries live: $TASKDYN_CACHE, else ~/.cache/taskdyn."""
    root = os.environ.get("TASKDYN_CACHE") or Path.home() / ".cache" / "taskdyn"
    return Path(root) / "native"


def cpu_signature() -> str:
    """The CPU model and feature flags (-march=native code runs only on a matching CPU)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        return "\n".join(sorted({ln for ln in lines if ln.startswith(("model name", "flags"))}))
    except OSError:
        return platform.machine() + platform.processor()


@functools.cache
def load(name: str) -> ctypes.CDLL | None:
    """The library built from `<name>.c` next to this module, or None when it cannot be built."""
    compiler = _compiler()
    if os.environ.get("TASKDYN_NATIVE", "1") == "0" or compiler is None:
        return None
    source, library = Path(__file__).with_name(f"{name}.c"), library_path(name)
    try:
        if not library.exists():
            _build(compiler, source, library)
        return ctypes.CDLL(str(library))
    except (OSError, subprocess.CalledProcessError) as err:
        log.warning("native kernel %s not available (%s); using PyTorch ops", name, err)
        return None


def _compiler() -> str | None:
    """The C compiler: $CC, else cc, else gcc (None without one)."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


# the suffix of a library's functions for each dtype it is built for
DTYPE_SUFFIX = {torch.float32: "f32", torch.float64: "f64"}


def kernel_for(name: str, like: torch.Tensor) -> tuple[ctypes.CDLL, str] | None:
    """The library built from `<name>.c` and the suffix of its functions for tensors like
    `like`, or None where the native code does not apply (not a CPU float32/float64 tensor)
    or cannot be built."""
    if like.device.type != "cpu" or like.dtype not in DTYPE_SUFFIX:
        return None
    library = load(name)
    if library is None:
        return None
    runinfo.note_native(name, build_record(name))
    return library, DTYPE_SUFFIX[like.dtype]


@functools.cache
def build_record(name: str) -> dict[str, object]:
    """How the library built from `<name>.c` was made: its path and the record written beside
    it at build time (compiler, version, flags); a library built without one says so."""
    library = library_path(name)
    try:
        record = json.loads(library.with_suffix(".json").read_text())
    except (OSError, ValueError):  # an older build: the compiler is the one found now
        found = _compiler()
        record = {"compiler": found and (shutil.which(found) or found),
                  "compiler_version": found and compiler_version(found),
                  "compile_flags": list(COMPILE_FLAGS),
                  "note": "library built without a build record; compiler as found now"}
    return {"library": str(library), **record}


def compiler_version(compiler: str) -> str:
    """The first line of `compiler --version` ('unknown' if it cannot be run)."""
    try:
        out = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.splitlines()[0].strip() if out else "unknown"


def library_path(name: str) -> Path:
    """Where the library built from `<name>.c` for this CPU and these flags is cached."""
    source = Path(__file__).with_name(f"{name}.c")
    key = hashlib.sha256(source.read_bytes() + " ".join(COMPILE_FLAGS).encode()
                         + cpu_signature().encode()).hexdigest()[:16]
    return cache_dir() / f"{name}-{key}.so"


def _build(compiler: str, source: Path, library: Path) -> None:
    """Compile and link `source` into `library`, with OpenMP and glibc's vector maths library
    (libmvec, which -ffast-math loops call) where the toolchain has them."""
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=library.parent) as tmp:
        obj, lib = Path(tmp) / "kernel.o", Path(tmp) / "kernel.so"
        for openmp, mvec in ((["-fopenmp"], ["-lmvec"]), ([], ["-lmvec"]), ([], [])):
            try:
                subprocess.run([compiler, *COMPILE_FLAGS, *openmp, "-Wno-unknown-pragmas", "-c",
                                str(source), "-o", str(obj)], check=True, capture_output=True)
                subprocess.run([compiler, "-shared", *openmp, str(obj), "-o", str(lib), *mvec,
                                "-lm"], check=True, capture_output=True)
                record = {"compiler": shutil.which(compiler) or compiler,
                          "compiler_version": compiler_version(compiler),
                          "compile_flags": [*COMPILE_FLAGS, *openmp],
                          "link_flags": ["-shared", *openmp, *mvec, "-lm"]}
                break
            except subprocess.CalledProcessError as error:
                failure = error
        else:
            raise failure
        # the record first: a library present always has its record beside it
        Path(tmp, "kernel.json").write_text(json.dumps(record, indent=1))
        os.replace(Path(tmp) / "kernel.json", library.with_suffix(".json"))
        os.replace(lib, library)
