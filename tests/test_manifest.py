"""The run manifest and `taskdyn verify`: what is listed, and every kind of damage reported."""

from __future__ import annotations

import json
import os
import shutil
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from slurm import harness
from snakemake.persistence.file import FilePersistence

from taskdyn import cli, manifest
from taskdyn.io import write_h5, write_json, write_table
from taskdyn.provenance import code_version, config_hash

RUN_DIR = "results/demo"
METADATA = ".snakemake/metadata"
PARAMS = ["'{\"lr\":0.01}'", "3"]  # as Snakemake records params: reprs of the values


def record_path(key: str) -> Path:
    """Where Snakemake's own file persistence stores the metadata record of output `key`."""
    stub = types.SimpleNamespace(_fetch_max_len=lambda subject: os.pathconf(subject,
                                                                            "PC_NAME_MAX"))
    return Path(FilePersistence._record_path(stub, METADATA, key))


def record_job(path: str, rule: str, params: list[str]) -> None:
    target = record_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"rule": rule, "params": params, "record_format_version": 6}))


@pytest.fixture
def run_dir(tmp_path, monkeypatch) -> Path:
    """A small run in tmp_path/results/demo, with Snakemake metadata for its files."""
    monkeypatch.chdir(tmp_path)
    Path(METADATA).mkdir(parents=True)
    prov = {"code_version": "0.1.0+abc123", "config_hash": "ffff"}
    files = {
        "tables/metrics.csv": ("make_metrics_table", []),
        "eval/seed0.h5": ("evaluate_model", PARAMS),
        "models/meta.json": ("train_model", PARAMS),
        "figures/curves.png": ("plot_learning_curves", []),
    }
    write_table(f"{RUN_DIR}/tables/metrics.csv", pd.DataFrame({"metric": ["a"], "value": [1.0]}),
                prov)
    write_h5(f"{RUN_DIR}/eval/seed0.h5", {"hidden": np.zeros((2, 3, 4))},
             attrs={"provenance": prov})
    write_json(f"{RUN_DIR}/models/meta.json", {"provenance": prov})
    Path(f"{RUN_DIR}/figures").mkdir()
    Path(f"{RUN_DIR}/figures/curves.png").write_bytes(b"\x89PNG fake image")
    for rel, (rule, params) in files.items():
        record_job(f"{RUN_DIR}/{rel}", rule, params)
    # Not results: a training checkpoint, a writer's temporary file, the report.
    Path(f"{RUN_DIR}/.checkpoints").mkdir()
    Path(f"{RUN_DIR}/.checkpoints/seed0.pt").write_bytes(b"state")
    Path(f"{RUN_DIR}/tables/.metrics.csv.tmp123").write_bytes(b"half")
    manifest.write_manifest(RUN_DIR, f"{RUN_DIR}/manifest.json")
    Path(f"{RUN_DIR}/report.html").write_text("<html></html>")
    return Path(RUN_DIR)


def test_manifest_lists_each_result_with_its_job(run_dir):
    entries = {e["path"]: e for e in manifest.read_manifest(run_dir)["files"]}
    assert sorted(entries) == ["eval/seed0.h5", "figures/curves.png", "models/meta.json",
                               "tables/metrics.csv"]
    assert entries["eval/seed0.h5"]["rule"] == "evaluate_model"
    assert entries["eval/seed0.h5"]["config_hash"] == config_hash(sorted(PARAMS))
    assert entries["models/meta.json"]["config_hash"] == entries["eval/seed0.h5"]["config_hash"]
    assert entries["tables/metrics.csv"]["config_hash"] is None  # the job had no params
    # Code version: the file's own provenance where it has one, else the manifest writer's.
    assert {entries[p]["code_version"] for p in ("eval/seed0.h5", "models/meta.json",
                                                 "tables/metrics.csv")} == {"0.1.0+abc123"}
    assert entries["figures/curves.png"]["code_version"] == code_version()
    png = run_dir / "figures" / "curves.png"
    assert entries["figures/curves.png"]["sha256"] == manifest.sha256(png)
    assert entries["figures/curves.png"]["bytes"] == png.stat().st_size


def test_a_file_without_metadata_is_listed_with_no_rule(run_dir):
    (run_dir / "notes.txt").write_text("added by hand")
    manifest.write_manifest(run_dir, run_dir / "manifest.json")
    entries = {e["path"]: e for e in manifest.read_manifest(run_dir)["files"]}
    assert entries["notes.txt"]["rule"] is None and entries["notes.txt"]["config_hash"] is None


def test_job_record_is_found_where_snakemake_writes_long_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path(METADATA).mkdir(parents=True)
    key = "results/demo/" + "/".join(f"level{i:02d}_with_a_long_wildcard_value" for i in range(12))
    assert record_path(key).parent != Path(METADATA)  # split into '@' directories
    record_job(key, "deep_rule", [])
    assert manifest.job_record(key, METADATA)["rule"] == "deep_rule"


def test_verify_passes_on_an_untouched_run(run_dir, capsys):
    assert cli.main(["verify", str(run_dir)]) == cli.EXIT_OK
    assert "all 4 files match the manifest" in capsys.readouterr().out


def test_verify_reports_every_kind_of_damage(run_dir, capsys):
    table = run_dir / "tables" / "metrics.csv"
    data = bytearray(table.read_bytes())
    data[-2] ^= 1  # one byte of the last value
    table.write_bytes(bytes(data))
    (run_dir / "figures" / "curves.png").unlink()
    (run_dir / "figures" / "stray.png").write_bytes(b"not from the workflow")
    assert cli.main(["verify", str(run_dir)]) == cli.EXIT_MISMATCH
    out = capsys.readouterr().out.splitlines()
    assert "changed   tables/metrics.csv (written by rule make_metrics_table)" in out
    assert "missing   figures/curves.png (written by rule plot_learning_curves)" in out
    assert "unlisted  figures/stray.png" in out
    assert out[-1].endswith("1 changed, 1 missing, 1 unlisted of 4 listed files")


def test_verify_without_a_manifest_is_an_error(tmp_path, capsys):
    assert cli.main(["verify", str(tmp_path)]) == cli.EXIT_ERROR
    assert f"{tmp_path} has no manifest.json" in capsys.readouterr().err


def test_cli_requires_a_subcommand(capsys):
    with pytest.raises(SystemExit) as err:
        cli.main([])
    assert err.value.code == 2
    assert "verify" in capsys.readouterr().err


@pytest.mark.pipeline
@pytest.mark.slow
def test_verify_a_real_run_then_one_changed_byte(tmp_path_factory, tmp_path, capsys):
    run = harness.preempted_run("local", tmp_path_factory.getbasetemp() / "reliability")
    listed = {e["path"]: e for e in manifest.read_manifest(run.results)["files"]}
    assert set(listed) == set(manifest.result_files(run.results))
    model_dir = f"models/{harness.STUDY}/{harness.TASK}/{harness.MODEL}/seed{harness.SEED}"
    assert {listed[f"{model_dir}/{name}"]["rule"] for name in ("weights.pt", "meta.json",
                                                               "history.csv")} == {"train_model"}
    table = f"tables/{harness.STUDY}/{harness.TASK}/metrics.csv"
    assert listed[table]["rule"] == "make_metrics_table"
    copy = tmp_path / run.name
    shutil.copytree(run.results, copy)
    assert cli.main(["verify", str(copy)]) == cli.EXIT_OK
    data = bytearray((copy / table).read_bytes())
    data[-2] = ord("7") if data[-2] != ord("7") else ord("8")  # one digit of the last value
    (copy / table).write_bytes(bytes(data))
    assert cli.main(["verify", str(copy)]) == cli.EXIT_MISMATCH
    assert f"changed   {table} (written by rule make_metrics_table)" in capsys.readouterr().out
