"""Reproduction evidence: `taskdyn evidence collect` on a hand-made finished run (run.json's
values, the files copied, the size cap, replacing old evidence) and `taskdyn evidence table`
(the rendered table, the README section, --check), and the repository's own README table."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from taskdyn import cli, evidence
from taskdyn.io import read_json, write_table

ROOT = Path(__file__).resolve().parent.parent
PROVENANCE = {"code_version": "0.1.0+abc123def456", "config_hash": "8e7ba402ebabf4eb",
              "created_utc": "2026-01-01T00:00:00+00:00", "study": "toy",
              "tables": ["t1/models.csv"]}
COMMAND = ".venv/bin/snakemake --profile profiles/local --configfile config/toy.yaml"


def time_log(wall: str = "1:02:03", user: str = "3600.50", system: str = "12.25",
             rss: int = 1_000_000, steps: tuple[int, ...] = (1, 2, 3)) -> str:
    """The stderr of `/usr/bin/time -v snakemake ...`: Snakemake's progress, then GNU time's."""
    progress = "".join(f"{i} of 3 steps ({round(100 * i / 3)}%) done\n" for i in steps)
    return (f"Building DAG of jobs...\n{progress}"
            '\tCommand being timed: ".venv/bin/snakemake --profile profiles/local"\n'
            f"\tUser time (seconds): {user}\n\tSystem time (seconds): {system}\n"
            "\tPercent of CPU this job got: 190%\n"
            f"\tElapsed (wall clock) time (h:mm:ss or m:ss): {wall}\n"
            "\tAverage shared text size (kbytes): 0\n"
            f"\tMaximum resident set size (kbytes): {rss}\n\tExit status: 0\n")


def claims_frame(measured: str = "64 of 64 | all matched") -> pd.DataFrame:
    """A claims table with one claim that holds and one too small."""
    return pd.DataFrame({
        "claim": ["operator", "grid"], "statement": ["The operator ...", "The grid ..."],
        "paper": ["64 of 64", "24 cells"], "measured": [measured, "—"],
        "verdict": ["holds", "too small"], "scale": ["window 8 × 8", "cells: 1 (needs ≥ 24)"]})


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A finished run of study `toy`: claims, two tables (one large), a figure, a time log."""
    run = tmp_path / "results" / "toy_run"
    tables = run / "tables" / "toy"
    write_table(tables / "claims.csv", claims_frame(), PROVENANCE)
    write_table(tables / "t1" / "models.csv", pd.DataFrame({"seed": [0, 1], "acc": [0.99, 1.0]}),
                PROVENANCE)
    (tables / "t1" / "big.csv").write_text("x\n" + "1\n" * 600_000)  # 1.2 MB
    figure = run / "figures" / "toy" / "t1" / "accuracy.png"
    figure.parent.mkdir(parents=True)
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1])
    fig.savefig(figure)
    (figure.parent / "accuracy.pdf").write_text("not collected")
    (tmp_path / "time.log").write_text(time_log())
    return run


def collect(run_dir: Path, dest: Path, *extra: str) -> int:
    """`taskdyn evidence collect` of study toy into `dest`."""
    return cli.main(["evidence", "collect", str(run_dir), "--study", "toy", "--dest", str(dest),
                     "--command", COMMAND, "--config", "config/toy.yaml",
                     "--time-log", str(run_dir.parent.parent / "time.log"), *extra])


# --- collect -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("1:02:03", 3723.0), ("12:26.12", 746.12),
                                               ("0:05.50", 5.5)])
def test_elapsed_time_formats(text, seconds):
    assert evidence.parse_elapsed(text) == pytest.approx(seconds)


def test_collect_writes_run_json(run_dir, tmp_path):
    dest = tmp_path / "docs" / "toy"
    assert collect(run_dir, dest) == 0
    run = read_json(dest / "run.json")
    assert run == {
        "format_version": 1, "study": "toy", "run": "toy_run", "config": "config/toy.yaml",
        "command": COMMAND, "wall_seconds": 3723.0, "user_seconds": 3600.5,
        "system_seconds": 12.25, "cpu_seconds": 3612.75, "peak_memory_gb": 1.024, "jobs": 3,
        "invocations": 1, "code_version": "0.1.0+abc123def456", "config_hash": "8e7ba402ebabf4eb",
        "cpu_model": evidence.machine()["cpu_model"], "cpu_cores": os.cpu_count(),
        "files": ["claims.csv", "figures/t1/accuracy.png", "tables/t1/models.csv"],
        "left_out": [{"path": "tables/toy/t1/big.csv",
                      "bytes": (run_dir / "tables/toy/t1/big.csv").stat().st_size}],
    }
    for rel in run["files"]:
        source = run_dir / ("tables/toy/claims.csv" if rel == "claims.csv"
                            else rel.replace("/", "/toy/", 1))
        assert (dest / rel).read_bytes() == source.read_bytes()
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == \
        sorted([*run["files"], "run.json"])


def test_a_run_in_two_invocations_sums_times_and_jobs(run_dir, tmp_path):
    later = tmp_path / "analyses.log"
    later.write_text(time_log(wall="2:00.00", user="100.0", system="1.0", rss=2_000_000,
                              steps=(1, 2)))
    dest = tmp_path / "docs" / "toy"
    assert collect(run_dir, dest, str(later)) == 0
    run = read_json(dest / "run.json")
    assert (run["wall_seconds"], run["user_seconds"], run["cpu_seconds"]) == \
        (3723.0 + 120.0, 3700.5, 3612.75 + 101.0)
    assert (run["jobs"], run["invocations"], run["peak_memory_gb"]) == (3 + 2, 2, 2.048)


def test_time_log_in_minutes_and_without_progress(tmp_path):
    log = tmp_path / "time.log"
    log.write_text(time_log(wall="12:26.12", rss=957_031, steps=()))
    cost = evidence.parse_time_log(log)
    assert cost["wall_seconds"] == 746.12 and cost["peak_memory_gb"] == 0.98
    assert cost["jobs"] is None


def test_a_log_without_gnu_time_is_an_error(run_dir, tmp_path, capsys):
    (tmp_path / "time.log").write_text("13 of 13 steps (100%) done\n")
    assert collect(run_dir, tmp_path / "dest") == 2
    assert "no 'Elapsed (wall clock) time' line" in capsys.readouterr().err
    assert not (tmp_path / "dest").exists()


def test_globs_and_size_cap(run_dir, tmp_path):
    dest = tmp_path / "dest"
    assert collect(run_dir, dest, "--tables", "t1/*.csv", "--figures", "none/*.png") == 2
    assert collect(run_dir, dest, "--tables", "t1/*.csv", "--max-bytes", "2000000") == 0
    assert read_json(dest / "run.json")["files"] == [
        "claims.csv", "figures/t1/accuracy.png", "tables/t1/big.csv", "tables/t1/models.csv"]
    assert read_json(dest / "run.json")["left_out"] == []


def test_collect_replaces_old_evidence_and_keeps_readme(run_dir, tmp_path):
    dest = tmp_path / "dest"
    (dest / "t1").mkdir(parents=True)  # a second run of the study, nested
    (dest / "t1" / "run.json").write_text("{}")
    (dest / "README.md").write_text("# hand-written\n")
    assert collect(run_dir, dest) == 0
    (run_dir / "figures" / "toy" / "t1" / "accuracy.png").unlink()
    assert collect(run_dir, dest, "--tables", "t1/models.csv") == 0
    assert read_json(dest / "run.json")["files"] == ["claims.csv", "tables/t1/models.csv"]
    assert not (dest / "figures").exists()
    assert (dest / "README.md").read_text() == "# hand-written\n"
    assert (dest / "t1" / "run.json").read_text() == "{}"


def test_collect_refuses_a_folder_with_unlisted_files(run_dir, tmp_path, capsys):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    assert collect(run_dir, dest) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]


# --- the table and the README ------------------------------------------------------------------


def evidence_folder(root: Path, rel: str, *, study: str, wall: float, measured: str) -> Path:
    """An evidence folder with a claims.csv and a hand-written run.json."""
    folder = root / rel
    write_table(folder / "claims.csv", claims_frame(measured), PROVENANCE)
    (folder / "run.json").write_text(
        f'{{"study": "{study}", "run": "{study}_run", "config": "config/{study}.yaml", '
        f'"wall_seconds": {wall}, "cpu_seconds": 1420.8, "peak_memory_gb": 0.98, '
        '"cpu_cores": 2, "files": ["claims.csv"]}')
    return folder


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with two runs of one study (one nested) and a README with the markers."""
    root = tmp_path / "docs" / "reproduction"
    (evidence_folder(root, "binding", study="binding", wall=746, measured="a | b")
     / "README.md").write_text("# binding\n")
    evidence_folder(root, "binding/t2", study="binding", wall=3725, measured="c\nd")
    (tmp_path / "README.md").write_text(
        f"# repo\n\n## Reproductions\n\n{evidence.START}\nstale table\n{evidence.END}\n\n## Next\n")
    return tmp_path


def test_table_lists_every_run_and_claim(repo):
    table = evidence.render_table(repo / "docs" / "reproduction", repo)
    lines = table.splitlines()
    assert lines[1:3] == ["| study and run | claim | verdict | measured |", "|---|---|---|---|"]
    assert lines[3] == ("| [binding](docs/reproduction/binding/README.md) `binding_run`<br>"
                        "`config/binding.yaml`: 12 min 26 s wall, 23 min 41 s CPU, 2 cores, "
                        r"0.98 GB peak memory | operator | **holds** | a \| b |")
    assert lines[4] == "|  | grid | **too small** | — |"
    assert lines[5].startswith("| [binding](docs/reproduction/binding/t2) `binding_run`<br>"
                               "`config/binding.yaml`: 1 h 2 min 5 s wall")
    assert lines[5].endswith("| operator | **holds** | c d |")
    assert len(lines) == 7


def test_durations():
    assert [evidence.duration(s) for s in (42.4, 746, 1420.8, 3600)] == \
        ["42 s", "12 min 26 s", "23 min 41 s", "1 h 0 min 0 s"]


def table_command(repo: Path, *extra: str) -> int:
    """`taskdyn evidence table` on the repository `repo`."""
    return cli.main(["evidence", "table", "--root", str(repo / "docs" / "reproduction"),
                     "--readme", str(repo / "README.md"), *extra])


def test_readme_section_is_replaced_and_checked(repo, capsys):
    readme = repo / "README.md"
    assert table_command(repo, "--check") == 1
    assert "+| [binding]" in capsys.readouterr().out
    assert "stale table" in readme.read_text()
    assert table_command(repo) == 0
    text = readme.read_text()
    assert "stale table" not in text and text.startswith("# repo\n\n## Reproductions\n\n")
    assert text.endswith(f"| grid | **too small** | — |\n{evidence.END}\n\n## Next\n")
    assert table_command(repo, "--check") == 0
    assert readme.read_text() == text


def test_missing_markers_are_an_error(repo, capsys):
    (repo / "README.md").write_text(f"# repo\n{evidence.START}\n")
    assert table_command(repo) == 2
    err = capsys.readouterr().err
    assert str(repo / "README.md") in err and evidence.START in err and evidence.END in err


def test_repository_readme_table_is_up_to_date(capsys):
    status = cli.main(["evidence", "table", "--check", "--root",
                       str(ROOT / "docs" / "reproduction"), "--readme", str(ROOT / "README.md")])
    assert status == 0, capsys.readouterr().out + "\nrun: taskdyn evidence table"


def test_a_collected_markdown_table_is_rendered_below_the_claims(run_dir, tmp_path):
    table1 = run_dir / "tables" / "toy" / "table1.md"
    table1.write_text("| task | h128 |\n|---|---|\n| T1 | 0.0004 (1.00) · paper 0.0005 (1.00) |\n")
    dest = tmp_path / "docs" / "reproduction" / "toy"
    assert collect(run_dir, dest) == 0
    assert (dest / "tables" / "table1.md").read_text() == table1.read_text()
    lines = evidence.render_table(tmp_path / "docs" / "reproduction", tmp_path).splitlines()
    at = lines.index("toy `toy_run`: [tables/table1.md](docs/reproduction/toy/tables/table1.md)")
    assert lines[at + 2:] == table1.read_text().splitlines()
