"""The analysis catalogue: what each generic analysis needs, and whether a study can feed it.

Every trained model's evaluation has the common layout (`taskdyn.studies.base.Evaluation`):
hidden states, the `split` label (0 = held-out, 1 = training trials), named labels and the
recurrent weight matrices; dynamics analyses also run the trained model's one-step map. Each
generic analysis declares which of these *pieces* it needs; each study declares, per task, what
its evaluation provides, in `provides(study_cfg)` of its light `taskdyn.studies.<name>.checks`
module (a label as `labels/<name>`). `problems` names every enabled analysis a study cannot
feed, so config validation rejects it before any job runs.

`fixed_points` with `inputs: per_phase` holds the input at each trial phase's constant input:
it needs the piece `phases` of at least one task, whose study's checks module then gives the
conditions (`phase_conditions(task, dataset, labels)`); its other tasks keep zero input.

A study may also declare an enabled analysis meaningless for one of its tasks (`dropped`, such
as fixed points of a network that runs in closed loop with an arm): the workflow skips it there.

Light on purpose (no torch, no scikit-learn): it runs each time the workflow is parsed.
"""

from __future__ import annotations

import fnmatch
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The pieces of the common evaluation layout an analysis may need.
PIECES = {
    "hidden": "hidden states",
    "held_out": "held-out trials (split 0)",
    "training": "training trials (split 1)",
    "step": "the model's one-step map F(x, u)",
    "weights": "recurrent weight matrices",
    "phases": "per-step trial phases, with each phase's constant input",
}
LABEL = "labels/"  # a provided label is the piece "labels/<name>"
MODEL, TASK = "model", "task"  # scopes: per trained model, or per task across its models


@dataclass(frozen=True)
class Analysis:
    """A generic analysis: what it computes, which pieces it needs, and its scope.

    `pairwise` analyses compare a task's trained networks, so they need at least two;
    `labels_key` names the config key listing the labels (glob patterns) the analysis reads.
    """

    name: str
    summary: str
    needs: tuple[str, ...]
    scope: str
    pairwise: bool = False
    labels_key: str | None = None


ANALYSES: dict[str, Analysis] = {a.name: a for a in (
    Analysis("trials", "example held-out trials: inputs, targets, outputs, top latent PCs",
             ("hidden", "held_out"), MODEL),
    Analysis("pca", "PCA scree of the hidden states", ("hidden",), MODEL),
    Analysis("state_r2", "affine state R² between every ordered pair of a task's networks",
             ("hidden", "held_out", "training"), TASK, pairwise=True),
    Analysis("fixed_points", "fixed points of the one-step map, Jacobian eigenvalues",
             ("hidden", "step"), MODEL),
    Analysis("spectra", "eigenvalues of the recurrent weights (and fixed-point Jacobians)",
             ("weights",), MODEL),
    Analysis("dsa", "Dynamical Similarity Analysis between every pair of a task's networks",
             ("hidden", "held_out"), TASK, pairwise=True),
    Analysis("similarity", "Procrustes shape distance and linear CKA between every pair",
             ("hidden", "held_out"), TASK, pairwise=True),
    Analysis("label_decoding", "linear decoding of named labels, trained at each step and "
             "tested at every step (cross-time)", ("hidden", "held_out"), MODEL,
             labels_key="labels"),
    Analysis("hidden_topology", "persistent homology (Rips H0, H1) of the hidden-state cloud, "
             "diagram distances between networks", ("hidden", "held_out"), TASK),
)}


def _checks(study: str) -> Any:
    """The study's light checks module: `provides`, and optionally `HOW_TO_PROVIDE` (a hint
    per piece), `trial_steps` and `state_sizes` (for DSA's checks)."""
    return importlib.import_module(f"taskdyn.studies.{study}.checks")


def provided(study: str, study_cfg: dict[str, Any]) -> dict[str, set[str]]:
    """{task: pieces} the study's evaluation provides under this (validated) config."""
    return _checks(study).provides(study_cfg)


def dropped(study: str, study_cfg: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{task: {analysis: why}}: the enabled analyses a study declares meaningless for a task
    (its checks module's optional `dropped(study_cfg)`); the workflow skips them there."""
    checks = _checks(study)
    return checks.dropped(study_cfg) if hasattr(checks, "dropped") else {}


def applies(study: str, study_cfg: dict[str, Any], task: str, analysis: str) -> bool:
    """Whether the enabled `analysis` runs on `task` (not dropped by its study there)."""
    return analysis in study_cfg.get("analyses", {}) and analysis not in dropped(
        study, study_cfg).get(task, {})


def labels_of(pieces: Iterable[str]) -> list[str]:
    """The label names among `pieces`, sorted."""
    return sorted(p.removeprefix(LABEL) for p in pieces if p.startswith(LABEL))


def matching_labels(patterns: Iterable[str], pieces: Iterable[str]) -> list[str]:
    """The provided labels matching any of the glob `patterns`, in sorted order."""
    names = labels_of(pieces)
    return [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)]


def feedable(study: str, study_cfg: dict[str, Any]) -> list[str]:
    """The generic analyses every task of this study config can feed (labels aside)."""
    pieces = provided(study, study_cfg)
    n_runs = len(study_cfg["models"]) * len(study_cfg["seeds"])
    return [a.name for a in ANALYSES.values()
            if all(set(a.needs) <= p for p in pieces.values()) and (n_runs > 1 or not a.pairwise)
            and (a.labels_key is None or all(labels_of(p) for p in pieces.values()))]


def problems(study: str, study_cfg: dict[str, Any]) -> list[tuple[str, str]]:
    """(key within the study's config, message) for each enabled analysis it cannot feed."""
    enabled = [ANALYSES[name] for name in study_cfg.get("analyses", {}) if name in ANALYSES]
    if not enabled:
        return []
    checks = _checks(study)
    drops = dropped(study, study_cfg)
    hints = getattr(checks, "HOW_TO_PROVIDE", {})
    out = []
    for analysis in enabled:
        key = f"analyses.{analysis.name}"
        pieces = {task: have for task, have in checks.provides(study_cfg).items()
                  if analysis.name not in drops.get(task, {})}
        if not pieces:
            why = "; ".join(sorted({reasons[analysis.name] for reasons in drops.values()}))
            out.append((key, f"has no meaning for any task of study {study}: {why}"))
            continue
        for piece in analysis.needs:
            lacking = [task for task, have in pieces.items() if piece not in have]
            if lacking:
                hint = f"; {hints[piece]}" if piece in hints else ""
                out.append((key, f"needs {PIECES[piece]}, which study {study}'s "
                            f"{_tasks(lacking)} not provide{hint}"))
        n_runs = len(study_cfg["models"]) * len(study_cfg["seeds"])
        if analysis.pairwise and n_runs < 2:
            out.append((key, f"compares a task's trained networks, and study {study} trains "
                        f"{n_runs} per task (models x seeds); it needs at least 2"))
        if analysis.labels_key:
            out += _label_problems(study, analysis, study_cfg["analyses"][analysis.name], pieces)
        if analysis.name == "dsa":
            out += _dsa_problems(study, study_cfg, checks)
        if analysis.name == "fixed_points":
            out += _phase_problems(study, study_cfg, pieces)
    return out


def _phase_problems(study: str, study_cfg: dict[str, Any],
                    pieces: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Per-phase inputs need trial phases from at least one task (the rest keep zero input)."""
    if study_cfg["analyses"]["fixed_points"].get("inputs", "zero") != "per_phase":
        return []
    if any("phases" in have for have in pieces.values()):
        return []
    return [("analyses.fixed_points.inputs", f"per_phase needs {PIECES['phases']}, which no "
             f"task of study {study} provides; use inputs: zero")]


def _tasks(tasks: list[str]) -> str:
    return f"task {tasks[0]} does" if len(tasks) == 1 else f"tasks {', '.join(tasks)} do"


def _label_problems(study: str, analysis: Analysis, cfg: dict[str, Any],
                    pieces: dict[str, set[str]]) -> list[tuple[str, str]]:
    key = f"analyses.{analysis.name}.{analysis.labels_key}"
    out = []
    for pattern in cfg[analysis.labels_key]:
        for task, have in pieces.items():
            if not matching_labels([pattern], have):
                offer = _offer(labels_of(have))
                out.append((key, f"needs label {pattern!r}, which study {study}'s task {task} "
                            f"does not provide ({offer})"))
                break
    return out


def _offer(names: list[str], shown: int = 12) -> str:
    if not names:
        return "it has no labels"
    more = f", ... ({len(names)} in all)" if len(names) > shown else ""
    return f"its labels: {', '.join(names[:shown])}{more}"


def _dsa_problems(study: str, study_cfg: dict[str, Any], checks: Any) -> list[tuple[str, str]]:
    """DSA's delay embedding must fit in the shortest trial, and its rank in the embedding of
    the narrowest network (where the study's checks module says trial lengths and widths)."""
    dsa, out = study_cfg["analyses"]["dsa"], []
    if hasattr(checks, "trial_steps"):
        steps = checks.trial_steps(study_cfg)
        task = min(steps, key=steps.get)
        if (dsa["n_delays"] - 1) * dsa["delay_interval"] >= steps[task] - 1:
            out.append(("analyses.dsa.n_delays", f"the delay embedding ({dsa['n_delays']} "
                        f"delays, {dsa['delay_interval']} apart) spans more than the "
                        f"{steps[task]} steps of study {study}'s task {task}"))
    if hasattr(checks, "state_sizes"):
        sizes = {m: min(dsa["n_components"], n) for m, n in checks.state_sizes(study_cfg).items()}
        smallest = min(sizes, key=sizes.get)
        if dsa["rank"] > sizes[smallest] * dsa["n_delays"]:
            out.append(("analyses.dsa.rank", f"{dsa['rank']} exceeds the delay-embedded "
                        f"dimension of model {smallest} ({sizes[smallest]} components x "
                        f"{dsa['n_delays']} delays)"))
    return out


def catalogue_table() -> list[dict[str, str]]:
    """One row per generic analysis: name, scope, what it needs, what it computes."""
    return [{"analysis": a.name, "scope": a.scope,
             "needs": ", ".join([PIECES[p] for p in a.needs]
                                + ([f"labels named in `{a.labels_key}`"] if a.labels_key else [])),
             "summary": a.summary} for a in ANALYSES.values()]
