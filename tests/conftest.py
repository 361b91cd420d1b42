"""Shared helpers (native code or PyTorch) and the grouping and order of tests for `make
test`'s two pytest-xdist processes. Tests run the workflow through `tests/pipeline.py`."""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Any

import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two test processes share CI's two cores: OpenMP threads spinning at a barrier only slow
    # the other process's work (this process's and its subprocesses' torch read it at start).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def use_native_code(kind: str, library: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a test on the native C library `library` ("native"; skipped where it cannot be
    built) or with no native code at all ("torch": every kernel falls back to PyTorch ops)."""
    from taskdyn.models import native  # imports torch: only for the tests that need it

    if kind == "torch":
        monkeypatch.setattr(native, "load", lambda name: None)
    elif native.load(library) is None:
        pytest.skip(f"no C compiler: {library}.c cannot be built")


@pytest.fixture
def one_thread():
    """One torch thread for a test of small models: small matrices run fastest on one thread,
    and it spares the other test worker's core."""
    import torch  # only for the tests that ask for it

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# Modules whose tests share the SLURM harness's runs (functools.cache, one per process).
SLURM_HARNESS_MODULES = {"test_manifest", "test_preemption", "test_report", "test_slurm"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Ready the suite for `pytest -n 2 --dist loadgroup` (what `make test` runs).

    Each module goes to one worker, so a module-scoped run is made once; the modules sharing
    the SLURM harness go to the same worker, so its cluster and runs are started once. The
    slow modules come first (the SLURM group, mostly waiting on the cluster, leads), so they
    overlap each other instead of finishing alone at the end.
    """
    def group(item: pytest.Item) -> str:
        name = item.module.__name__
        return "slurm_harness" if name in SLURM_HARNESS_MODULES else name

    slow = {group(item) for item in items
            if item.get_closest_marker("pipeline") or item.get_closest_marker("slow")}
    if config.pluginmanager.hasplugin("xdist"):  # which registers the marker
        for item in items:
            item.add_marker(pytest.mark.xdist_group(group(item)))
    items.sort(key=lambda item: (group(item) != "slurm_harness", group(item) not in slow))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Stop if pytest-xdist's loadgroup did not take the groups above (it writes them into node
    ids, which pytest 9.2 moved): ungrouped, both workers would start the SLURM harness."""
    if node.config.getoption("dist") == "loadgroup" and ids and "@" not in ids[0]:
        raise pytest.UsageError(
            f"pytest-xdist {version('pytest-xdist')} did not group the tests under pytest "
            f"{pytest.__version__}: install the versions pyproject.toml's `test` extra allows")
