"""Provenance of what ran: a trained model's meta.json names the device, kernels, threads and
native builds that ran; a record lists every imported third-party package."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

import pytest
import torch
from tiny import tiny_ctdb_config, tiny_flipflop_dataset

from taskdyn import jobs, provenance
from taskdyn.models import native

ON_CPU = not torch.cuda.is_available()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[dict, Path]:
    config = tiny_ctdb_config("test_provenance", n_timesteps=10, n_trials=24, latent_size=4,
                              seed=0, train={"epochs": 1, "batch_size": 12})
    return tiny_flipflop_dataset(config, tmp_path_factory.mktemp("data"))


def trained_meta(hp: dict, data: Path, out: Path, *, kernel: str,
                 device: str = "auto") -> dict:
    """meta.json of a one-epoch training of the tiny GRU with `kernel` on `device`."""
    hp = {**hp, "model": {**hp["model"], "kernel": kernel},
          "train": {**hp["train"], "device": device}}
    jobs.train_model(study="ctdb", task_name="3bff", model_name="gru", hp=hp, seed=0,
                     data=str(data), weights=str(out / "weights.pt"), meta=str(out / "meta.json"),
                     history=str(out / "history.csv"), checkpoint=str(out / "ckpt.pt"))
    return json.loads((out / "meta.json").read_text())


@pytest.mark.skipif(not ON_CPU, reason="checks the CPU kernels")
def test_meta_names_the_device_kernel_threads_and_native_build(dataset, tmp_path):
    meta = trained_meta(*dataset, tmp_path, kernel="auto")
    run = meta["run"]
    assert run["device"] == {"requested": "auto", "ran": "cpu", "fallback": False}
    assert run["threads"] == torch.get_num_threads() >= 1
    if native.load("gru_gates") is None:  # no C compiler here: PyTorch ops ran
        assert run["kernels"] == ["gru sequence/torch"] and run["native"] == {}
        return
    assert run["kernels"] == ["gru sequence/native"]  # auto → sequence on the CPU
    build = run["native"]["gru_gates"]
    assert Path(build["library"]).is_file()
    assert {"-march=native", "-ffast-math"} <= set(build["compile_flags"])
    assert Path(build["compiler"]).name and build["compiler_version"] != "unknown"


@pytest.mark.skipif(not ON_CPU, reason="a GPU request falls back only without CUDA")
def test_meta_records_a_gpu_request_that_fell_back(dataset, tmp_path):
    run = trained_meta(*dataset, tmp_path, kernel="loop", device="cuda")["run"]
    assert run["device"] == {"requested": "cuda", "ran": "cpu", "fallback": True}
    assert run["kernels"] == ["gru loop"] and run["native"] == {}


def test_a_fresh_native_build_keeps_its_flags_and_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("TASKDYN_CACHE", str(tmp_path))
    native.load.cache_clear()
    native.build_record.cache_clear()
    try:
        if native.load("tanh_rnn_steps") is None:
            pytest.skip("no C compiler")
        record = native.build_record("tanh_rnn_steps")
        assert Path(record["library"]).parent == tmp_path / "native"
        assert record["compile_flags"][:4] == list(native.COMPILE_FLAGS)
        assert Path(record["compiler"]).is_file() and record["compiler_version"] != "unknown"
        assert "-lm" in record["link_flags"]
    finally:
        native.load.cache_clear()
        native.build_record.cache_clear()


def test_package_list_has_every_imported_third_party_distribution():
    import DSA  # noqa: F401  (dsa-metric)
    import torchvision  # noqa: F401  (imported: listed)

    versions = provenance.package_versions()
    assert versions["torchvision"] == metadata.version("torchvision")
    assert "dsa-metric" in versions and "scikit-learn" in versions
    assert "taskdyn" not in versions  # its version is the code_version
    assert not set(versions) & set(sys.stdlib_module_names)
    assert provenance.provenance({})["packages"] == versions
