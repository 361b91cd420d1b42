"""Every config in tests/bad_configs/ fails validation, before any job runs, naming its key.

Each corpus file says in its header what is wrong (`# Wrong:`), which key the error must name
(`# key:`) and a fragment of the problem the message must state (`# problem:`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import prepare_pipeline
from taskdyn.config import ConfigError, load_yaml, validate_config

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "bad_configs").glob("*.yaml"))
SCHEMAS = ROOT / "workflow" / "schemas"


def expectation(path: Path) -> dict[str, str]:
    """The `# wrong:`, `# key:` and `# problem:` header lines of a corpus file."""
    header = {}
    for line in path.read_text().splitlines():
        if not line.startswith("# "):
            break
        name, _, value = line[2:].partition(":")
        header[name.strip().lower()] = value.strip()
    return header


@pytest.mark.parametrize("path", sorted((ROOT / "config").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_validates(path):
    validated = validate_config(load_yaml(path), SCHEMAS)
    assert validated["studies"]


def test_corpus_covers_the_issue():
    assert len(CORPUS) >= 20
    for path in CORPUS:
        assert {"wrong", "key", "problem"} <= set(expectation(path)), path.name


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_bad_config_fails_validation_naming_the_key(path):
    expected = expectation(path)
    with pytest.raises(ConfigError) as err:
        validate_config(load_yaml(path), SCHEMAS)
    message = str(err.value)
    assert expected["key"] in message
    assert expected["problem"] in message
    # Exactly the one mistake the file is about: schema problems are listed one per line.
    assert sum(line.lstrip().startswith("config key") for line in message.splitlines()) <= 1


@pytest.mark.parametrize("name", ["duplicate_model_name", "val_fraction_one",
                                  "binding_state_r2_without_training"])
def test_snakemake_dry_run_stops_before_any_job(name, tmp_path):
    path = ROOT / "tests" / "bad_configs" / f"{name}.yaml"
    expected = expectation(path)
    result = prepare_pipeline(tmp_path, path).snakemake("-n", cores=1, check=False, timeout=120)
    output = result.output
    assert result.returncode != 0
    assert "ConfigError" in output
    assert expected["key"] in output and expected["problem"] in output
    assert "Building DAG of jobs" not in output and "Job stats" not in output
    assert not (tmp_path / "results").exists()
