"""A paper's claims, checked against the tables a run writes.

Each study declares its paper's headline claims in `taskdyn.studies.<name>.claims` as `CLAIMS`,
a list of `Claim`: an id, the statement, the paper's value or criterion, the tables it reads
(paths relative to `results/<run>/tables/<study>/`, from the study's config slice) and a check,
a function from those tables and the config slice to an `Outcome` (what was measured, the
verdict and a note on the run's scale). Checks read only tables the pipeline writes.

Verdicts: `holds` and `fails` by the claim's criterion; `too small` when the run is smaller than
the claim needs (fewer seeds, models, trials, epochs or a smaller task), and `not measured` when
the pipeline does not produce what the claim needs (the scale note says what is missing).
`judge` turns a criterion and the run's `Need`s into a verdict the same way for every claim.
"""

from __future__ import annotations

import importlib
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from taskdyn.config import merged
from taskdyn.io import read_table, read_table_provenance, write_table
from taskdyn.provenance import provenance

HOLDS, FAILS, TOO_SMALL, NOT_MEASURED = "holds", "fails", "too small", "not measured"
VERDICTS = (HOLDS, FAILS, TOO_SMALL, NOT_MEASURED)
COLUMNS = ("claim", "statement", "paper", "measured", "verdict", "scale")

Tables = Mapping[str, pd.DataFrame]  # relative path -> table (provenance in .attrs["provenance"])


@dataclass(frozen=True)
class Outcome:
    """What a check found: the measured value(s) as text, the verdict, and the scale note."""

    measured: str
    verdict: str
    scale: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {VERDICTS}")


@dataclass(frozen=True)
class Need:
    """One thing a claim needs of the run: what the run has, what the claim needs, and whether
    it is met. `budget` needs (epochs, optimiser iterations) only matter when the criterion is
    not met: a run that meets it with less training still meets it. The others (seeds, models,
    trials, task size) make any verdict premature when unmet."""

    what: str
    have: Any
    need: Any
    met: bool
    budget: bool = False

    def describe(self) -> str:
        return f"{self.what}: {self.have} (needs {self.need})" if not self.met else \
            f"{self.what}: {self.have}"


def at_least(what: str, have: float, need: float, *, budget: bool = False) -> Need:
    """The need `have >= need`, e.g. `at_least("seeds", 2, 20)`."""
    return Need(what, _number(have), f"≥ {_number(need)}", have >= need, budget)


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def judge(met: bool, needs: Iterable[Need], measured: str, info: Iterable[str] = ()) -> Outcome:
    """The verdict of a criterion (`met`) at the run's scale (`needs`; `info` adds notes).

    An unmet non-budget need makes the run too small whatever the criterion says; otherwise the
    criterion decides, except that a criterion missed with an unmet budget is too small too.
    """
    needs = list(needs)
    scale = "; ".join([n.describe() for n in needs] + list(info))
    if any(not n.met and not n.budget for n in needs):
        return Outcome(measured, TOO_SMALL, scale)
    if met:
        return Outcome(measured, HOLDS, scale)
    if any(not n.met for n in needs):
        return Outcome(measured, TOO_SMALL, scale)
    return Outcome(measured, FAILS, scale)


def too_small(measured: str, scale: str) -> Outcome:
    """The run lacks something the claim needs (a model, a task, a sweep): `scale` says what."""
    return Outcome(measured or "—", TOO_SMALL, scale)


def not_measured(missing: str, measured: str = "—") -> Outcome:
    """The pipeline does not produce what the claim needs; `missing` says what."""
    return Outcome(measured, NOT_MEASURED, missing)


def combine(outcomes: Mapping[str, Outcome]) -> Outcome:
    """One outcome from several (e.g. one per task), each labelled by its key.

    All hold → holds; any fails → fails; else too small if any is, else not measured.
    """
    if len(outcomes) == 1:
        return next(iter(outcomes.values()))
    verdicts = {o.verdict for o in outcomes.values()}
    verdict = (HOLDS if verdicts == {HOLDS} else FAILS if FAILS in verdicts
               else TOO_SMALL if TOO_SMALL in verdicts else NOT_MEASURED)

    def labelled(field_name: str) -> str:
        return "; ".join(f"{key}: {getattr(o, field_name)}" for key, o in outcomes.items())

    return Outcome(labelled("measured"), verdict, labelled("scale"))


def per_task(tasks: Iterable[str], check_task: Callable[[str], Outcome], *,
             label: Callable[[str], str] = str) -> Outcome:
    """`combine` of `check_task(task)` for each of `tasks`, each labelled `label(task)`."""
    return combine({label(task): check_task(task) for task in tasks})


@dataclass(frozen=True)
class Claim:
    """One headline claim of a paper and how a run's tables check it."""

    id: str
    statement: str
    paper: str  # the paper's value or criterion, and where it comes from
    check: Callable[[Tables, dict], Outcome]
    # the tables the check reads, relative to results/<run>/tables/<study>/, for a config slice
    tables: Callable[[dict], list[str]] = field(default=lambda cfg: [])


def study_claims(study: str) -> list[Claim]:
    """`CLAIMS` of module `taskdyn.studies.<study>.claims`."""
    return importlib.import_module(f"taskdyn.studies.{study}.claims").CLAIMS


def claim_tables(study: str, cfg: dict) -> list[str]:
    """Every table (relative path) that any of the study's claims reads, for its config slice."""
    return sorted({path for claim in study_claims(study) for path in claim.tables(cfg)})


def load_tables(tables_dir: str | Path, paths: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Read each table below `tables_dir`, its provenance header in `.attrs["provenance"]`."""
    out = {}
    for rel in paths:
        path = Path(tables_dir) / rel
        frame = read_table(path)
        frame.attrs["provenance"] = read_table_provenance(path)
        out[rel] = frame
    return out


def check_claims(claims: Iterable[Claim], tables: Tables, cfg: dict) -> pd.DataFrame:
    """One row per claim (`COLUMNS`); each check sees only the tables it declares."""
    rows = []
    for claim in claims:
        own = {rel: tables[rel] for rel in claim.tables(cfg)}
        try:
            outcome = claim.check(own, cfg)
        except Exception as err:
            raise RuntimeError(f"claim {claim.id!r}: check failed: {err}") from err
        rows.append({"claim": claim.id, "statement": claim.statement, "paper": claim.paper,
                     "measured": outcome.measured, "verdict": outcome.verdict,
                     "scale": outcome.scale})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_claims(*, study: str, cfg: dict, tables_dir: str, table: str) -> None:
    """Stage: check every claim of `study` against its tables below `tables_dir`; write `table`."""
    paths = claim_tables(study, cfg)
    frame = check_claims(study_claims(study), load_tables(tables_dir, paths), cfg)
    write_table(table, frame, provenance(cfg, study=study, tables=paths))


def read_claims(run_dir: str | Path) -> dict[str, pd.DataFrame]:
    """{study: claims table} of every `tables/<study>/claims.csv` of a run directory."""
    return {path.parent.name: read_table(path).fillna("")
            for path in sorted(Path(run_dir).glob("tables/*/claims.csv"))}


# columns printed by `format_claims`, with their wrap widths
PRINTED = {"claim": 24, "verdict": 12, "paper": 34, "measured": 46, "scale": 40}


def format_claims(study: str, frame: pd.DataFrame) -> str:
    """A study's claims as a text table: a header line with the verdict counts, then one block
    of wrapped rows per claim."""
    counts = frame["verdict"].value_counts()
    header = f"{study}: {len(frame)} claims (" + ", ".join(
        f"{int(counts.get(v, 0))} {v}" for v in VERDICTS) + ")"
    lines = [header, _row({name: name for name in PRINTED})]
    for record in frame.to_dict("records"):
        lines.append(_row({name: str(record[name]) for name in PRINTED}))
    return "\n".join(lines)


def _row(cells: dict[str, str]) -> str:
    wrapped = {name: textwrap.wrap(text, width) or [""]
               for (name, width), text in zip(PRINTED.items(), cells.values(), strict=True)}
    height = max(len(lines) for lines in wrapped.values())
    return "\n".join("  ".join(wrapped[name][i].ljust(width) if i < len(wrapped[name])
                               else " " * width for name, width in PRINTED.items()).rstrip()
                     for i in range(height))


# ---------------------------------------------------------------------------------------------
# Helpers the studies' checks share
# ---------------------------------------------------------------------------------------------


def models_of_type(cfg: dict, *types: str) -> list[str]:
    """The study's model names whose `type` is one of `types`."""
    return [name for name, model in cfg["models"].items() if model.get("type") in types]


def model_train(cfg: dict, model: str) -> dict:
    """A model's train settings: the study's, overridden by the model's own `train` block."""
    return merged(cfg.get("train", {}), cfg["models"][model].get("train"))


def tasks_of(cfg: dict, predicate: Callable[[dict], bool]) -> list[str]:
    """The study's task names whose config satisfies `predicate`."""
    return [name for name, task in cfg["tasks"].items() if predicate(task)]


def metric(frame: pd.DataFrame, name: str, models: Iterable[str] | None = None) -> pd.Series:
    """A long metrics table's `value` of metric `name`, indexed by (model, seed)."""
    rows = frame[frame["metric"] == name]
    if models is not None:
        rows = rows[rows["model"].isin(list(models))]
    return rows.set_index(["model", "seed"])["value"]


def per_seed(values: pd.Series, fmt: str = "{:.4f}") -> str:
    """'gru/seed0 0.9922, gru/seed1 0.9898' from a (model, seed)-indexed series."""
    return ", ".join(f"{m}/seed{s} {fmt.format(v)}" for (m, s), v in values.items())
