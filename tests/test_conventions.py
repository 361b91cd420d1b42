"""Repository conventions: formatting, licence, documentation, environments, config handling.

- rule files are snakefmt-clean; LICENSE is MIT and names MotorNet's GPL-3.0;
- the user documentation carries no development history and links only inside the repository;
- config/README.md is what `taskdyn config-doc` generates from the schemas;
- envs/taskdyn.yaml builds from where Snakemake copies it and pins what pyproject.toml pins, and
  jobs find the checkout's taskdyn through scripts/;
- a missing --configfile stops Snakemake before any job, naming the file;
- reordering keys in a run config reruns nothing.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from pipeline import prepare_pipeline
from taskdyn import configdoc

ROOT = Path(__file__).resolve().parent.parent
USER_DOCS = [ROOT / "README.md", ROOT / "bench" / "README.md", ROOT / "config" / "README.md",
             ROOT / "envs" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
HISTORY = re.compile(r"\b(stop|issue)\s+#?\d+", re.IGNORECASE)


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_snakefmt_check_is_clean():
    snakefmt = shutil.which("snakefmt", path=str(Path(sys.executable).parent))
    assert snakefmt, "snakefmt is not installed (pip install -e '.[test]')"
    done = subprocess.run([snakefmt, "--check", "."], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_license_is_mit_and_names_the_gpl_extra():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "the taskdyn authors" in text
    assert "MotorNet" in text and "GPL-3.0" in text and "taskdyn[motor]" in text
    assert pyproject()["license"] == "MIT"
    assert "GPL-3.0" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("path", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_documentation_has_no_development_history(path):
    text = path.read_text()
    assert not HISTORY.findall(text), HISTORY.findall(text)
    assert "../shared" not in text
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):  # relative links resolve
        if "://" not in target:
            assert (path.parent / target).exists(), f"{path.name} links to missing {target}"


def test_config_readme_is_generated_from_the_schemas():
    expected = configdoc.render(ROOT / "workflow" / "schemas")
    assert (ROOT / "config" / "README.md").read_text() == expected, (
        "config/README.md is stale: taskdyn config-doc > config/README.md")


def test_config_doc_command_prints_the_reference(capsys):
    from taskdyn.cli import main

    assert main(["config-doc", "--schemas", str(ROOT / "workflow" / "schemas")]) == 0
    assert capsys.readouterr().out == (ROOT / "config" / "README.md").read_text()


def test_config_readme_names_every_schema_key():
    text = (ROOT / "config" / "README.md").read_text()
    for path in (ROOT / "workflow" / "schemas" / "studies").glob("*.schema.yaml"):
        study = path.name.removesuffix(".schema.yaml")
        for key in yaml.safe_load(path.read_text())["properties"]:
            assert f"`studies.{study}.{key}`" in text, (study, key)
    assert "`run`" in text and "`container`" in text


def _pip_requirements(env: dict) -> list[str]:
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


def test_conda_env_builds_from_where_snakemake_copies_it(tmp_path):
    """Snakemake copies the env file to .snakemake/conda/<hash>.yaml and conda resolves pip's
    local paths from there: every requirement must be a package or a path that exists there."""
    source = ROOT / "envs" / "taskdyn.yaml"
    digest = hashlib.md5(source.read_bytes()).hexdigest()
    copy = tmp_path / "workdir" / ".snakemake" / "conda" / f"{digest}.yaml"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(source, copy)
    for line in _pip_requirements(yaml.safe_load(copy.read_text())):
        spec = line.removeprefix("-e").strip()
        if spec.startswith((".", "/", "file:")) or "/" in spec:
            assert (copy.parent / spec.split("[")[0]).exists(), f"{line} does not resolve"
        else:
            Requirement(spec)  # a plain package requirement


def test_conda_env_pins_what_pyproject_pins():
    env = yaml.safe_load((ROOT / "envs" / "taskdyn.yaml").read_text())
    project = pyproject()
    expected = {str(Requirement(r)) for r in
                project["dependencies"] + project["optional-dependencies"]["motor"]}
    assert {str(Requirement(r)) for r in _pip_requirements(env)} == expected
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python == "python=3.11"
    assert project["requires-python"] == ">=3.11"
    for container in ("Dockerfile", "taskdyn.def"):  # both read the pins from pyproject.toml
        text = (ROOT / "envs" / container).read_text()
        assert "python:3.11-slim" in text and "pyproject.toml" in text


def test_jobs_find_the_checkouts_taskdyn_through_scripts():
    """Snakemake appends a script's folder to the job's sys.path; without site-packages (a
    conda or container environment without taskdyn) scripts/taskdyn is the checkout's."""
    code = ("import sys, importlib.util; sys.path.append(sys.argv[1]); "
            "print(importlib.util.find_spec('taskdyn').origin)")
    done = subprocess.run([sys.executable, "-S", "-c", code, str(ROOT / "scripts")],
                          capture_output=True, text=True, check=True, cwd="/")
    assert Path(done.stdout.strip()).resolve() == (ROOT / "taskdyn" / "__init__.py").resolve()


def test_missing_configfile_stops_before_any_job(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "ctdb_tiny")
    pipeline.configfile.unlink()
    result = pipeline.snakemake("-n", cores=1, check=False, timeout=120)
    assert result.returncode != 0
    assert "No such file or directory" in result.output and str(pipeline.configfile) in \
        result.output
    assert "Building DAG of jobs" not in result.output
    assert not (tmp_path / "results").exists()


def _mark_done(pipeline) -> None:
    """Every output of the run present with metadata, without running a job (--touch)."""
    summary = pipeline.snakemake("--summary", cores=1).stdout.splitlines()[1:]
    for line in summary:
        path = pipeline.path(line.split("\t")[0])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    pipeline.snakemake("--touch", cores=1)


def _reversed_keys(value):
    if isinstance(value, dict):
        return {k: _reversed_keys(v) for k, v in reversed(list(value.items()))}
    return value


@pytest.mark.pipeline
def test_key_order_of_the_config_reruns_nothing(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "thalamus")
    config = yaml.safe_load(pipeline.configfile.read_text())
    _mark_done(pipeline)
    assert "Nothing to be done" in pipeline.snakemake("-n", cores=1).output

    changed = yaml.safe_load(pipeline.configfile.read_text())  # a real change does rerun
    changed["studies"]["thalamus"]["train"]["epochs"] += 1
    assert "train_model" in pipeline.with_config(changed).snakemake("-n", cores=1).output

    reordered = pipeline.with_config(_reversed_keys(config))
    assert list(yaml.safe_load(reordered.configfile.read_text())["studies"]["thalamus"]
                ["models"]) == list(reversed(config["studies"]["thalamus"]["models"]))
    result = reordered.snakemake("-n", cores=1)
    assert "Nothing to be done" in result.output, result.output[-3000:]
