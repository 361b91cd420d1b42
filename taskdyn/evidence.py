"""Reproduction evidence: a finished run's claims, tables, figures and cost, kept in the repository.

`collect` copies a run's `tables/<study>/claims.csv`, its tables and figures into an evidence
folder (`docs/reproduction/<study>/`) and writes `run.json` beside them: the command, the config,
the wall and CPU time and peak memory (from the run's GNU `/usr/bin/time -v` log), the number of
jobs (from Snakemake's progress lines in the same log), the claims' code version and config hash,
the machine's CPU, and the files collected. `render_table` turns every evidence folder under a
root into one markdown table and `update_readme` writes it between the README's markers, so each
number in the README's reproduction table comes from a committed file.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path
from typing import Any

from taskdyn.io import (
    atomic_path,
    read_json,
    read_table,
    read_table_provenance,
    write_json,
)

RUN_JSON = "run.json"
CLAIMS_CSV = "claims.csv"
KEPT = "README.md"  # the evidence folder's hand-written description, never replaced
FORMAT_VERSION = 1
MAX_BYTES = 1_000_000
TABLES, FIGURES = ("**/*.csv", "**/*.md"), ("**/*.png",)  # .md: tables rendered by a study
START = "<!-- reproduction-table:start -->"
END = "<!-- reproduction-table:end -->"

# the GNU time -v lines read, each "<label>...: <value>"
TIME_FIELDS = {
    "wall": "Elapsed (wall clock) time",
    "user": "User time (seconds)",
    "system": "System time (seconds)",
    "max_rss_kbytes": "Maximum resident set size (kbytes)",
}
STEPS = re.compile(r"^\s*(\d+) of \d+ steps \(\d+%\) done", re.MULTILINE)


class EvidenceError(RuntimeError):
    """Evidence cannot be collected or rendered: a missing file, log field or README marker."""


# ---------------------------------------------------------------------------------------------
# The run's cost: GNU time -v and Snakemake's progress, both in the run's stderr log
# ---------------------------------------------------------------------------------------------


def parse_elapsed(text: str) -> float:
    """Seconds of GNU time's elapsed field, "h:mm:ss" or "m:ss.ss"."""
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def parse_time_log(path: str | os.PathLike) -> dict[str, Any]:
    """Wall, user, system and CPU seconds, peak memory (GB) and jobs run, from a run's log of
    `/usr/bin/time -v snakemake ... 2> log`; jobs is None without Snakemake progress lines."""
    text = Path(path).read_text(errors="replace")
    found = {}
    for name, label in TIME_FIELDS.items():
        match = re.findall(rf"^\s*{re.escape(label)}.*: (\S+)\s*$", text, re.MULTILINE)
        if not match:
            raise EvidenceError(f"{path}: no '{label}' line; is it the stderr of "
                                "/usr/bin/time -v?")
        found[name] = match[-1]
    user, system = float(found["user"]), float(found["system"])
    steps = STEPS.findall(text)
    return {
        "wall_seconds": round(parse_elapsed(found["wall"]), 2),
        "user_seconds": user,
        "system_seconds": system,
        "cpu_seconds": round(user + system, 2),
        "peak_memory_gb": round(int(found["max_rss_kbytes"]) * 1024 / 1e9, 3),
        "jobs": int(steps[-1]) if steps else None,
    }


def run_cost(paths: list[str | os.PathLike]) -> dict[str, Any]:
    """The cost of a run made in several Snakemake invocations (e.g. training, then analyses
    added later), one time log each: times and jobs summed, peak memory the largest."""
    parts = [parse_time_log(p) for p in paths]
    total = {key: round(sum(p[key] for p in parts), 2)
             for key in ("wall_seconds", "user_seconds", "system_seconds", "cpu_seconds")}
    jobs = [p["jobs"] for p in parts]
    return {**total, "peak_memory_gb": max(p["peak_memory_gb"] for p in parts),
            "jobs": None if None in jobs else sum(jobs), "invocations": len(parts)}


def machine(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> dict[str, Any]:
    """This machine's CPU model (None where /proc/cpuinfo names none) and core count."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        text = ""
    model = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return {"cpu_model": model.group(1).strip() if model else None, "cpu_cores": os.cpu_count()}


# ---------------------------------------------------------------------------------------------
# Collecting a run's evidence
# ---------------------------------------------------------------------------------------------


def select_files(folder: Path, patterns: list[str] | None, default: tuple[str, ...],
                 max_bytes: int) -> tuple[list[Path], list[Path]]:
    """Files under `folder` matching any of `patterns` (or `default`): those up to `max_bytes`
    and those left out, each sorted. A given glob that matches nothing is an error (a typo)."""
    matched: set[Path] = set()
    for pattern in patterns or default:
        hits = {p for p in folder.glob(pattern) if p.is_file()}
        if not hits and patterns:
            raise EvidenceError(f"no file under {folder} matches {pattern!r}")
        matched |= hits
    kept = sorted(p for p in matched if p.stat().st_size <= max_bytes)
    return kept, sorted(matched - set(kept))


def _own_files(dest: Path) -> list[str]:
    """Files under `dest` (relative, '/'-separated), but those of nested evidence folders."""
    found = []
    for root, dirs, files in os.walk(dest):
        dirs[:] = sorted(d for d in dirs if not (Path(root, d) / RUN_JSON).is_file())
        found += [(Path(root, name).relative_to(dest)).as_posix() for name in files]
    return sorted(found)


def clear_evidence(dest: Path) -> None:
    """Remove what the last collect wrote into `dest` (its run.json lists it), keeping README.md
    and nested evidence folders; refuse, removing nothing, if `dest` holds any other file."""
    old = set(read_json(dest / RUN_JSON)["files"]) if (dest / RUN_JSON).is_file() else set()
    listed = old | {RUN_JSON, KEPT}
    unknown = [rel for rel in _own_files(dest) if rel not in listed]
    if unknown:
        raise EvidenceError(f"{dest} holds files no {RUN_JSON} lists ({', '.join(unknown)}): "
                            "move them or collect into another folder")
    for rel in sorted((old | {RUN_JSON}) & set(_own_files(dest))):
        (dest / rel).unlink()
    for folder in sorted({p for rel in old for p in (dest / rel).parents
                          if p != dest and dest in p.parents}, key=lambda p: -len(p.parts)):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _copy(source: Path, target: Path) -> None:
    """Copy a file atomically (a temporary sibling renamed into place)."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def collect(results_dir: str | os.PathLike, study: str, dest: str | os.PathLike, *,
            command: str, config: str, time_logs: list[str | os.PathLike],
            tables: list[str] | None = None, figures: list[str] | None = None,
            max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """Copy a run's claims, tables and figures of `study` into `dest` and write `dest/run.json`;
    returns what run.json records. Everything is read before the old evidence is replaced."""
    results_dir, dest = Path(results_dir), Path(dest)
    tables_dir, figures_dir = results_dir / "tables" / study, results_dir / "figures" / study
    claims = tables_dir / CLAIMS_CSV
    if not claims.is_file():
        raise EvidenceError(f"{claims} does not exist: build it with snakemake "
                            f"{claims} or check --study")
    read_table(claims)  # a malformed claims table is an error before anything is replaced
    cost = run_cost(time_logs)
    kept_tables, big_tables = select_files(tables_dir, tables, TABLES, max_bytes)
    kept_tables = [p for p in kept_tables if p != claims]
    kept_figures, big_figures = select_files(figures_dir, figures, FIGURES, max_bytes)
    copies = {CLAIMS_CSV: claims}
    copies |= {f"tables/{p.relative_to(tables_dir).as_posix()}": p for p in kept_tables}
    copies |= {f"figures/{p.relative_to(figures_dir).as_posix()}": p for p in kept_figures}
    left_out = [{"path": p.relative_to(results_dir).as_posix(), "bytes": p.stat().st_size}
                for p in big_tables + big_figures]
    provenance = read_table_provenance(claims)
    record = {
        "format_version": FORMAT_VERSION, "study": study, "run": results_dir.name,
        "config": config, "command": command, **cost,
        "code_version": provenance.get("code_version"),
        "config_hash": provenance.get("config_hash"), **machine(),
        "files": sorted(copies), "left_out": left_out,
    }
    dest.mkdir(parents=True, exist_ok=True)
    clear_evidence(dest)
    for rel, source in copies.items():
        _copy(source, dest / rel)
    write_json(dest / RUN_JSON, record)
    return record


# ---------------------------------------------------------------------------------------------
# The README's reproduction table
# ---------------------------------------------------------------------------------------------


def find_runs(root: str | os.PathLike) -> list[Path]:
    """Every evidence folder (one holding run.json) under `root`, sorted by path."""
    return sorted(path.parent for path in Path(root).rglob(RUN_JSON))


def duration(seconds: float) -> str:
    """A duration as "1 h 2 min 3 s", "12 min 26 s" or "42 s" (whole seconds)."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if hours or minutes else []
    return " ".join(parts + [f"{secs} s"])


def escape(text: Any) -> str:
    """Text safe inside a markdown table cell: pipes escaped, line breaks as spaces."""
    return " ".join(str(text).split()).replace("|", r"\|")


def run_line(run: dict[str, Any]) -> str:
    """One line on a run: its config, wall and CPU time, cores and peak memory."""
    parts = [f"{duration(run['wall_seconds'])} wall", f"{duration(run['cpu_seconds'])} CPU",
             f"{run['cpu_cores']} cores"]
    if run.get("peak_memory_gb") is not None:
        parts.append(f"{run['peak_memory_gb']:g} GB peak memory")
    return f"`{run['config']}`: " + ", ".join(parts)


def _link(folder: Path, base: Path) -> str:
    """The evidence folder's README.md (or the folder itself), relative to `base`."""
    target = folder / KEPT if (folder / KEPT).is_file() else folder
    return Path(os.path.relpath(target, base)).as_posix()


def render_table(root: str | os.PathLike, base: str | os.PathLike) -> str:
    """The markdown table of every run's claims under `root`, links relative to `base`."""
    root, base = Path(root), Path(base)
    runs = find_runs(root)
    if not runs:
        raise EvidenceError(f"no {RUN_JSON} under {root}: collect evidence with "
                            "taskdyn evidence collect")
    lines = ["| study and run | claim | verdict | measured |", "|---|---|---|---|"]
    for folder in runs:
        run = read_json(folder / RUN_JSON)
        claims = read_table(folder / CLAIMS_CSV).fillna("")
        first = (f"[{run['study']}]({_link(folder, base)}) `{run['run']}`<br>"
                 f"{escape(run_line(run))}")
        for i, claim in enumerate(claims.to_dict("records")):
            lines.append(f"| {first if i == 0 else ''} | {escape(claim['claim'])} | "
                         f"**{escape(claim['verdict'])}** | {escape(claim['measured'])} |")
    source = Path(os.path.relpath(root, base)).as_posix()
    note = f"<!-- generated by `taskdyn evidence table` from {source}/: edit there, not here -->"
    return "\n".join([note, *lines, *rendered_tables(runs, base)]) + "\n"


def rendered_tables(runs: list[Path], base: Path) -> list[str]:
    """The markdown tables a study renders itself (collected `.md` files, e.g. the binding
    paper's Table 1 beside ours), each under a line naming its run and file."""
    blocks = []
    for folder in runs:
        run = read_json(folder / RUN_JSON)
        for rel in (f for f in run["files"] if f.endswith(".md")):
            link = Path(os.path.relpath(folder / rel, base)).as_posix()
            blocks += ["", f"{run['study']} `{run['run']}`: [{rel}]({link})", "",
                       (folder / rel).read_text().rstrip("\n")]
    return blocks


def replace_section(text: str, section: str, readme: str | os.PathLike) -> str:
    """`text` with what lies between START and END replaced by `section`."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start or text.count(START) != 1 or text.count(END) != 1:
        raise EvidenceError(f"{readme} needs one '{START}' line followed by one '{END}' line "
                            "where the reproduction table goes")
    return text[:start + len(START)] + "\n" + section + text[end:]


def update_readme(readme: str | os.PathLike, root: str | os.PathLike, *,
                  check: bool = False) -> list[str]:
    """Write the reproduction table into the README's marked section (unless `check`); returns
    the unified diff from the README's section to the rendered one (empty when up to date)."""
    readme = Path(readme)
    old = readme.read_text()
    new = replace_section(old, render_table(root, readme.parent), readme)
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"{readme} (committed)",
                                     f"{readme} (from {root})", lineterm=""))
    if diff and not check:
        with atomic_path(readme) as tmp:
            tmp.write_text(new)
    return diff
