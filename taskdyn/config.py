"""Config validation and per-job config slices.

The config is validated against `workflow/schemas/config.schema.yaml` and, for each study under
`studies:`, against `workflow/schemas/studies/<study>.schema.yaml`, then by the study's own
checks and the analysis catalogue (`taskdyn.catalogue`: each enabled generic analysis must be
fed by the study's evaluation), before any job runs. Schema defaults are filled in, so no
script guesses one, and sweeps are expanded into ordinary models and tasks. Errors name the key
and the problem.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema import validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


class ConfigError(ValueError):
    """The config is invalid; the message lists every problem with its key."""


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if isinstance(subschema, dict) and "default" in subschema:
                    instance.setdefault(name, copy.deepcopy(subschema["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def load_yaml(path: str | Path) -> Any:
    """Load YAML, rejecting duplicate keys (plain YAML keeps the last one silently)."""

    class StrictLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        keys = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in keys:
                raise ConfigError(f"{path}: duplicate key {key!r} at line {key_node.start_mark.line + 1}")
            keys.add(key)
        return loader.construct_mapping(node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    try:
        with open(path) as f:
            return yaml.load(f, Loader=StrictLoader)
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"config file {path} is not valid YAML: {err}") from err


def validate_config(config: dict[str, Any], schema_dir: str | Path, *,
                    study_checks: bool = True) -> dict[str, Any]:
    """Validate `config` in place (filling defaults, expanding sweeps) and return it; raise
    ConfigError on problems.

    `study_checks=False` skips the studies' own `check_config` (the light one of
    `taskdyn.studies.get_config_check`) and the catalogue's: cluster jobs re-parse the
    workflow, and the main process has checked already.
    """
    schema_dir = Path(schema_dir)
    registry = _schema_registry(schema_dir)
    problems = list(_schema_problems(config, load_yaml(schema_dir / "config.schema.yaml"),
                                     "", registry))
    studies = config.get("studies")
    if isinstance(studies, dict):
        available = sorted(p.name.removesuffix(".schema.yaml")
                           for p in (schema_dir / "studies").glob("*.schema.yaml"))
        for name, study_cfg in studies.items():
            if name not in available:
                problems.append(f"config key 'studies.{name}': unknown study; accepted: {available}")
                continue
            schema = load_yaml(schema_dir / "studies" / f"{name}.schema.yaml")
            problems.extend(_schema_problems(study_cfg, schema, f"studies.{name}", registry))
            if study_checks and isinstance(study_cfg, dict) and not problems:
                problems.extend(_study_problems(name, study_cfg))
            if not problems:
                studies[name] = study_cfg = expand_study(name, study_cfg)
                problems.extend(_resource_problems(name, study_cfg))
                problems.extend(_task_model_problems(name, study_cfg))
            if study_checks and not problems:
                problems.extend(_catalogue_problems(name, study_cfg))
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    return config


def expand_study(name: str, study_cfg: dict[str, Any]) -> dict[str, Any]:
    """The study's config with its sweep points as ordinary models and tasks, where its light
    checks module has an `expand_config` (the analogy study's `sweep:`); else unchanged."""
    checks = importlib.import_module(f"taskdyn.studies.{name}.checks")
    expand = getattr(checks, "expand_config", None)
    return expand(study_cfg) if expand else study_cfg


def _schema_registry(schema_dir: Path) -> Registry:
    """Top-level schema files, addressable by file name from `$ref`s in the study schemas."""
    resources = [(p.name, Resource.from_contents(load_yaml(p), default_specification=DRAFT202012))
                 for p in schema_dir.glob("*.schema.yaml")]
    return Registry().with_resources(resources)


def _schema_problems(instance: Any, schema: dict, prefix: str, registry: Registry) -> Iterator[str]:
    validator = _Validator(schema, registry=registry)
    errors = sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    for error in errors:
        if error.validator == "unevaluatedProperties" and _has_deeper(error, errors):
            continue  # a key whose own value failed (say, a generic analysis's) counts as unknown
        key = ".".join([prefix] * bool(prefix) + [str(p) for p in error.absolute_path]) or "<root>"
        yield f"config key {key!r}: {_describe(error)}"


def _has_deeper(error: jsonschema.ValidationError, errors: list) -> bool:
    """Whether another error lies below `error`'s key."""
    path = list(error.absolute_path)
    return any(list(e.absolute_path)[:len(path)] == path and len(e.absolute_path) > len(path)
               for e in errors)


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{error.message}; accepted keys: {allowed}"
    if error.validator == "unevaluatedProperties":  # a study's analyses: its own and the generic
        from taskdyn.catalogue import ANALYSES

        allowed = sorted({*error.schema.get("properties", {}), *ANALYSES})
        return f"{error.message}; accepted keys: {allowed}"
    if error.validator == "enum":
        return f"{error.instance!r} is not accepted; accepted values: {error.validator_value}"
    return error.message


def _study_problems(name: str, study_cfg: dict[str, Any]) -> list[str]:
    """Checks a schema cannot express: the study's own light `check_config`, if it has one (its
    checks module, not `STUDY`, so that parsing the workflow does not import torch)."""
    from taskdyn.studies import get_config_check

    check = get_config_check(name)
    return [f"config key 'studies.{name}.{key}': {msg}" for key, msg in check(study_cfg)] if check else []


def _resource_problems(name: str, study_cfg: dict[str, Any]) -> list[str]:
    """Per-task cluster resources that name no task of the study."""
    return [f"studies.{name}.resources.{stage}.tasks: {task!r} is not a task of the study "
            f"({', '.join(study_cfg['tasks'])})"
            for stage, own in study_cfg.get("resources", {}).items()
            for task in own.get("tasks", {}) if task not in study_cfg["tasks"]]


def _task_model_problems(name: str, study_cfg: dict[str, Any]) -> list[str]:
    """A task's `models` list (the models trained on it) naming no model of the study."""
    return [f"config key 'studies.{name}.tasks.{task}.models': {model!r} is not a model of the "
            f"study; models: {list(study_cfg['models'])}"
            for task, task_cfg in study_cfg["tasks"].items()
            for model in task_cfg.get("models", []) if model not in study_cfg["models"]]


def _catalogue_problems(name: str, study_cfg: dict[str, Any]) -> list[str]:
    """The enabled generic analyses the study's evaluation cannot feed (`taskdyn.catalogue`)."""
    from taskdyn.catalogue import problems

    return [f"config key 'studies.{name}.{key}': {msg}" for key, msg in problems(name, study_cfg)]


# ---------------------------------------------------------------------------------------------
# Per-job slices: each job's params carry only what it depends on
# ---------------------------------------------------------------------------------------------


def merged(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict[str, Any]:
    """`base` updated recursively with `override`."""
    out = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# Keys of a task or model entry that choose which runs exist, not what a run computes: they
# stay out of a job's params, so editing them adds or drops jobs without rerunning the others.
RUN_CHOICE_KEYS = ("models", "seeds")


def run_seeds(study_cfg: Mapping[str, Any], task: str, model: str) -> list[int]:
    """The seeds of `model` on `task`: the study's, narrowed to those the task's and the model's
    `seeds` (where given) both list, in the study's order."""
    chosen = [set(entry["seeds"]) for entry in (study_cfg["tasks"][task],
                                                study_cfg["models"][model]) if "seeds" in entry]
    return [s for s in study_cfg["seeds"] if all(s in c for c in chosen)]


def entry_slice(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A task or model entry without the keys that choose runs (RUN_CHOICE_KEYS)."""
    return {k: v for k, v in entry.items() if k not in RUN_CHOICE_KEYS}


def train_slice(config: Mapping[str, Any], study: str, task: str, model: str) -> dict[str, Any]:
    """What one training job depends on: the task, the model and its (overridden) train settings."""
    study_cfg = config["studies"][study]
    model_cfg = entry_slice(study_cfg["models"][model])
    train = merged(study_cfg.get("train", {}), model_cfg.pop("train", None))
    return {"task": entry_slice(study_cfg["tasks"][task]), "model": model_cfg, "train": train}


def canonical_json(obj: Any) -> str:
    """Key-sorted compact JSON: one param string per job, so any change reruns exactly that job."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
