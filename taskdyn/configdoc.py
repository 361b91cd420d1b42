"""config/README.md from the config schemas (workflow/schemas), so the key reference cannot drift.

`render(schema_dir)` returns the Markdown; `taskdyn config-doc` writes it, and a test checks that
the committed file equals it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

COMMON = "common.schema.yaml"
# The shared definitions documented once, in their own section, and linked from the studies.
DOCUMENTED = ("train", "evaluate", "analyses")

INTRO = """\
# Run configuration

A run is one YAML file given with `--configfile` (default `config/config.yaml`): `run` names the
output folder `results/<run>/`, and `studies` maps each study to run to its settings. Examples:
`config/config.yaml` (the default run), `config/paper.yaml` (paper scale) and the test configs
in `tests/configs/`. Snakemake validates the file before any job runs and names every key it
rejects. Keys with a default may be left out. Settings that reach a job travel in its params, so
changing one reruns exactly the jobs that use it; key order does not matter.

`<name>` stands for a name you choose (lower case, digits, underscores). A key marked
`[kind=...]` or `[type=...]` applies to entries of that kind or type only. Each study's `train`
settings are overridden by a model's `train`, and those by a task's `train`.

This file is generated from `workflow/schemas/` by `taskdyn config-doc > config/README.md`.
"""


@dataclass
class Row:
    """One documented key: dotted path, type, default (JSON, or empty) and meaning."""

    key: str
    type: str
    default: str
    meaning: str


class _Schemas:
    """The schema files of one folder, with `$ref` resolution across them."""

    def __init__(self, schema_dir: Path) -> None:
        self.dir = schema_dir
        self.docs: dict[str, dict] = {}

    def doc(self, name: str) -> dict:
        if name not in self.docs:
            self.docs[name] = yaml.safe_load((self.dir / name).read_text())
        return self.docs[name]

    def resolve(self, ref: str, doc: str) -> tuple[dict, str, str]:
        """The schema `ref` points at, the file it lives in and its $defs name."""
        target_doc, _, pointer = ref.partition("#")
        target_doc = target_doc or doc
        node: Any = self.doc(target_doc)
        for part in pointer.strip("/").split("/"):
            node = node[part]
        return node, target_doc, pointer.rsplit("/", 1)[-1]


def _merge(node: dict, schemas: _Schemas, doc: str) -> tuple[dict, list[str], str]:
    """`node` with its `$ref`s and plain `allOf` members folded in.

    Returns the merged schema, the shared ($defs of common.schema.yaml) definitions it uses
    (documented once, not inlined) and the file its properties belong to.
    """
    merged: dict = {}
    shared: list[str] = []
    parts: list[tuple[dict, str]] = []
    refs = [node["$ref"]] if "$ref" in node else []
    refs += [m["$ref"] for m in node.get("allOf", []) if "$ref" in m]
    for ref in refs:
        if ref.startswith(COMMON) and doc != COMMON:
            shared.append(ref.rsplit("/", 1)[-1])
        else:
            parts.append(schemas.resolve(ref, doc)[:2])
    parts += [(m, doc) for m in node.get("allOf", []) if "if" not in m and "$ref" not in m]
    for part, part_doc in parts:
        inner, inner_shared, _ = _merge(part, schemas, part_doc)
        shared += inner_shared
        for key, value in inner.items():
            if key == "properties":
                _add_properties(merged, value, part_doc, schemas)
            elif key == "variants":
                merged.setdefault("variants", []).extend((v, part_doc) for v, _ in value)
            elif key != "description" or "description" not in merged:
                merged[key] = value
    for key, value in node.items():
        if key == "properties":
            _add_properties(merged, value, doc, schemas)
        elif key not in ("$ref", "allOf"):
            merged[key] = value
    merged.setdefault("variants", []).extend((m, doc) for m in node.get("allOf", []) if "if" in m)
    return merged, shared, doc


def _add_properties(merged: dict, properties: dict, doc: str, schemas: _Schemas) -> None:
    """Add `properties` to `merged`; a key already there keeps its keywords under the new ones."""
    target = merged.setdefault("properties", {})
    for key, value in properties.items():
        value, value_doc = value if isinstance(value, tuple) else (value, doc)
        if key in target and isinstance(value, dict) and isinstance(target[key][0], dict):
            old, old_doc = target[key]
            value = {**_flat(old, schemas, old_doc), **value}
            value_doc = old_doc if "$ref" not in value else value_doc
        target[key] = (value, value_doc)


def _flat(node: dict, schemas: _Schemas, doc: str) -> dict:
    """`node` with the keywords of its `$ref` and plain `allOf` members under its own."""
    flat: dict = {}
    members = [node["$ref"]] if "$ref" in node else []
    members += [m["$ref"] for m in node.get("allOf", []) if "$ref" in m]
    for ref in members:
        target, target_doc, _ = schemas.resolve(ref, doc)
        flat.update(_flat(target, schemas, target_doc))
    flat.update({k: v for k, v in node.items() if k not in ("$ref", "allOf")})
    return flat


def _type(node: dict, schemas: _Schemas, doc: str) -> str:
    """A short type description: integer, number, list of ..., one of a | b, ..."""
    node = _flat(node, schemas, doc)
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in node["enum"])
    if "oneOf" in node or "anyOf" in node:
        return " or ".join(_type(m, schemas, doc) for m in node.get("oneOf", node.get("anyOf")))
    kind = node.get("type", "")
    if kind == "array":
        items = node.get("items")
        return f"list of {_type(items, schemas, doc)}" if items else "list"
    if kind == "object":
        return "mapping"
    return kind if isinstance(kind, str) else " or ".join(kind)


def _variant_label(condition: dict) -> str:
    (key, test), = condition["properties"].items()
    values = [test["const"]] if "const" in test else test["enum"]
    return f"[{key}={'|'.join(str(v) for v in values)}]"


def _rows(node: dict, path: str, schemas: _Schemas, doc: str) -> Iterator[Row]:
    """A row for every key below `node` (an object schema), depth first."""
    merged, _, doc = _merge(node, schemas, doc)
    for key, (child, child_doc) in merged.get("properties", {}).items():
        if child is True:
            continue
        yield from _key_rows(child, f"{path}{key}", schemas, child_doc)
    extra = merged.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _rows(extra, f"{path}<name>.", schemas, doc)
    for variant, variant_doc in merged["variants"]:
        label = _variant_label(variant["if"])
        then_merged, _, _ = _merge(variant["then"], schemas, variant_doc)
        for key, (child, child_doc) in then_merged.get("properties", {}).items():
            if child is True or (isinstance(child, dict) and set(child) == {"const"}):
                continue
            yield from _key_rows(child, f"{path.rstrip('.')}{label}.{key}", schemas, child_doc)


def _key_rows(node: dict, key: str, schemas: _Schemas, doc: str) -> Iterator[Row]:
    merged, shared, merged_doc = _merge(node, schemas, doc)
    meaning = " ".join(str(merged.get("description", "")).split())
    if not meaning:  # a plain shared definition (name_map, seeds) lends its own description
        common = schemas.doc(COMMON)["$defs"]
        meaning = "; ".join(" ".join(common[n].get("description", "").split())
                            for n in shared if n not in DOCUMENTED)
    if shared:
        see = ", ".join(f"[shared `{name}`](#shared-{name})" for name in shared
                        if name in DOCUMENTED)
        if see:
            meaning = f"{meaning}; see {see}" if meaning else f"see {see}"
    default = merged.get("default")
    yield Row(key, _type(node, schemas, doc), "" if default is None else
              f"`{json.dumps(default, ensure_ascii=False)}`", meaning)
    if merged.get("properties") or merged["variants"] or isinstance(
            merged.get("additionalProperties"), dict):
        yield from _rows(node, f"{key}.", schemas, doc)


def _table(rows: list[Row]) -> str:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for row in rows:
        cells = [f"`{row.key}`", row.type, row.default, row.meaning]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def render(schema_dir: str | Path) -> str:
    """The Markdown reference of every config key described by the schemas in `schema_dir`."""
    schemas = _Schemas(Path(schema_dir))
    top = schemas.doc("config.schema.yaml")
    parts = [INTRO, "## Top level\n", _table(list(_rows(top, "", schemas, "config.schema.yaml")))]
    for path in sorted((schemas.dir / "studies").glob("*.schema.yaml")):
        study = path.name.removesuffix(".schema.yaml")
        name = f"studies/{path.name}"
        description = " ".join(schemas.doc(name).get("description", "").split())
        parts += [f"\n## Study `{study}`\n", description + "\n",
                  _table(list(_rows(schemas.doc(name), f"studies.{study}.", schemas, name)))]
    common = schemas.doc(COMMON)["$defs"]
    parts.append("\n## Shared settings\n\nDefinitions the studies refer to "
                 "(`workflow/schemas/common.schema.yaml`).")
    for name in DOCUMENTED:
        node = common[name]
        description = " ".join(str(node.get("description", "")).split())
        rows = list(_rows(node, f"{name}.", schemas, COMMON))
        parts += [f"\n### Shared `{name}`\n", (description + "\n") if description else "",
                  _table(rows) if rows else "(no settings)"]
    return "\n".join(p for p in parts if p) + "\n"
