"""Code-aware reruns: the import graph behind a job's code fingerprint, and `snakemake -n`
rescheduling exactly the jobs whose code a one-line edit changed."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pipeline as pipeline_module
import pytest
from pipeline import REPO, prepare_pipeline
from test_manifest import record_job

from taskdyn import cli, manifest
from taskdyn.fingerprint import code_files, code_fingerprint, code_record

FAKE_PACKAGE = {
    "taskdyn/__init__.py": "",
    "taskdyn/a.py": """
        from typing import TYPE_CHECKING
        from taskdyn.b import helper
        if TYPE_CHECKING:
            from taskdyn import typing_only

        def used():
            from taskdyn.lazy import work
            return _inner(work)

        def _inner(x):
            from taskdyn.sub import d
            return d

        def unused():
            from taskdyn import never
        """,
    "taskdyn/b.py": "def helper():\n    return 1\n",
    "taskdyn/lazy.py": "def work():\n    return 2\n",
    "taskdyn/never.py": "",
    "taskdyn/typing_only.py": "",
    "taskdyn/sub/__init__.py": "",
    "taskdyn/sub/d.py": "X = 1\n",
    "taskdyn/studies/__init__.py": """
        import importlib

        def get_study(name):
            return importlib.import_module(f"taskdyn.studies.{name}.study")
        """,
    "taskdyn/studies/toy/__init__.py": "",
    "taskdyn/studies/toy/study.py": "from taskdyn.models.recurrent import Model\n",
    "taskdyn/models/__init__.py": "",
    "taskdyn/models/spec.py": "",
    "taskdyn/models/native.py": "def kernel_for(name, like):\n    return None\n",
    "taskdyn/models/gru_gates.c": "/* kernel */\n",
    "taskdyn/models/recurrent.py": "from taskdyn.models.gru_sequence import step\nModel = 1\n",
    "taskdyn/models/gru_sequence.py": """
        from taskdyn.models import native

        def step(x):
            return native.kernel_for("gru_gates", x)
        """,
    "scripts/job.py": "from taskdyn import a\n\na.used()\n",
    "scripts/train.py": "from taskdyn.studies import get_study\n\nget_study('toy')\n",
}


@pytest.fixture
def fake(tmp_path) -> Path:
    """A tiny `taskdyn` package and two scripts under tmp_path."""
    for rel, text in FAKE_PACKAGE.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def names(files, root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in files}


def test_the_script_reaches_what_its_functions_import_lazily(fake):
    files = names(code_files(fake / "scripts/job.py", root=fake), fake)
    assert files == {"scripts/job.py", "taskdyn/__init__.py", "taskdyn/a.py", "taskdyn/b.py",
                     "taskdyn/lazy.py", "taskdyn/sub/__init__.py", "taskdyn/sub/d.py"}
    # not `unused`'s import, nor one under `if TYPE_CHECKING:`


def test_the_fingerprint_follows_edits_of_reached_modules_only(fake):
    before = code_fingerprint(fake / "scripts/job.py", root=fake)
    with open(fake / "taskdyn/never.py", "a") as f:
        f.write("# not run by the job\n")
    assert code_fingerprint(fake / "scripts/job.py", root=fake) == before
    with open(fake / "taskdyn/lazy.py", "a") as f:
        f.write("# run by the job\n")
    assert code_fingerprint(fake / "scripts/job.py", root=fake) != before


def test_a_study_imported_by_name_brings_only_the_job_model_family(fake):
    train = fake / "scripts/train.py"
    every = names(code_files(train, "toy", None, root=fake), fake)
    assert {"taskdyn/studies/toy/study.py", "taskdyn/models/recurrent.py",
            "taskdyn/models/gru_sequence.py", "taskdyn/models/native.py",
            "taskdyn/models/gru_gates.c"} <= every
    node = names(code_files(train, "toy", frozenset({"node"}), root=fake), fake)
    assert "taskdyn/models/recurrent.py" in node
    assert not {"taskdyn/models/gru_sequence.py", "taskdyn/models/gru_gates.c"} & node
    no_model = names(code_files(train, "toy", frozenset(), root=fake), fake)
    assert not any(p.startswith("taskdyn/models/") and p != "taskdyn/models/__init__.py"
                   for p in no_model)
    assert "taskdyn/studies/toy/study.py" not in names(code_files(train, root=fake), fake)


def test_the_real_training_and_fixed_point_jobs_run_what_they_should():
    root, scripts = REPO, REPO / "scripts"
    train_gru = names(code_files(scripts / "train_model.py", "ctdb", frozenset({"gru"}),
                                 root=root), root)
    train_node = names(code_files(scripts / "train_model.py", "ctdb", frozenset({"node"}),
                                  root=root), root)
    fixed_points = names(code_files(scripts / "find_fixed_points.py", "ctdb",
                                    frozenset({"gru"}), root=root), root)
    assert {"taskdyn/training.py", "taskdyn/studies/ctdb/study.py",
            "taskdyn/models/recurrent.py"} <= train_gru & train_node
    assert {"taskdyn/models/gru_sequence.py", "taskdyn/models/gru_gates.c"} <= train_gru
    assert "taskdyn/models/gru_sequence.py" not in train_node
    assert "taskdyn/analysis/fixed_points.py" in fixed_points - train_gru
    assert "taskdyn/models/thalamus.py" not in train_gru | fixed_points


# ---- verify: outputs whose code changed since they were written --------------------------------


def test_verify_reports_a_file_whose_code_changed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path(".snakemake/metadata").mkdir(parents=True)
    current = code_record(REPO / "scripts/make_metrics_table.py", "ctdb", ["gru"])
    old = json.dumps({**json.loads(current), "sha256": "0" * 64}, sort_keys=True,
                     separators=(",", ":"))
    run = Path("results/demo")
    for name, code in (("fresh.csv", current), ("old.csv", old)):
        (run / "tables").mkdir(parents=True, exist_ok=True)
        (run / "tables" / name).write_text("metric,value\na,1\n")
        # as Snakemake records a job's params: the reprs of the values
        record_job(f"{run}/tables/{name}", "make_metrics_table", [repr("{}"), repr(code)])
    manifest.write_manifest(run, run / "manifest.json")
    entries = {e["path"]: e for e in manifest.read_manifest(run)["files"]}
    assert entries["tables/old.csv"]["code"]["sha256"] == "0" * 64
    assert entries["tables/fresh.csv"]["config_hash"] == entries["tables/old.csv"]["config_hash"]
    assert cli.main(["verify", str(run)]) == cli.EXIT_MISMATCH
    out = capsys.readouterr().out.splitlines()
    assert "stale     tables/old.csv (written by rule make_metrics_table)" in out
    assert not any("fresh.csv" in line for line in out)
    assert out[-1].endswith("1 stale (code changed since), 0 changed, 0 missing, 0 unlisted "
                            "of 2 listed files")


# ---- the workflow: `snakemake -n` after one-line edits ------------------------------------------


def scheduled(output: str) -> dict[str, int]:
    """Rule → job count from `snakemake -n`'s job stats ({} when nothing is to be done)."""
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


@pytest.mark.pipeline
def test_an_edit_reruns_the_jobs_running_that_code_and_their_dependants(tmp_path, monkeypatch):
    # A copy of the workflow and the library its jobs import (Snakemake puts the Snakefile's
    # directory first on sys.path), edited below.
    code = tmp_path / "code"
    for part in ("taskdyn", "scripts", "workflow", "envs"):
        shutil.copytree(REPO / part, code / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "Snakefile", code / "Snakefile")
    monkeypatch.setattr(pipeline_module, "SNAKEFILE", code / "Snakefile")
    monkeypatch.setenv("PYTHONPATH", str(code))
    pipeline = prepare_pipeline(tmp_path / "work", "ctdb_tiny")
    # Mark every output up to date without running a job: empty files, then --touch of every
    # job (which records each job's params, the code fingerprint among them).
    summary = pipeline.snakemake("--summary").stdout.splitlines()[1:]
    for line in summary:
        path = pipeline.path(line.split("\t")[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    pipeline.snakemake("--touch", "--forceall")
    assert scheduled(pipeline.snakemake("-n").output) == {}

    def after_edit(module: str) -> tuple[dict[str, int], str]:
        source = code / "taskdyn" / module
        original = source.read_text()
        source.write_text(original + "# one line more\n")
        try:
            result = pipeline.snakemake("-n")
        finally:
            source.write_text(original)
        return scheduled(result.output), result.output

    jobs, output = after_edit("analysis/fixed_points.py")
    assert jobs["find_fixed_points"] == 4  # 2 models × 2 seeds
    assert {"compute_spectra", "plot_fixed_points", "ctdb_make_fixed_point_table",
            "make_metrics_table"} <= set(jobs)
    assert not {"make_dataset", "train_model", "evaluate_model", "compute_pca"} & set(jobs)
    assert "Params have changed since last execution" in output

    jobs, _ = after_edit("models/recurrent.py")  # GRU and NODE both live there
    assert jobs["train_model"] == 4
    assert "make_dataset" not in jobs

    jobs, output = after_edit("models/gru_sequence.py")  # the GRU's kernel alone
    assert jobs["train_model"] == 2
    assert set(re.findall(r"rule train_model:\n\s+input: .*\n\s+output: .*/3bff/(\w+)/seed",
                          output)) == {"gru"}
