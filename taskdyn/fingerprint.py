"""Code fingerprints: a hash of the `taskdyn` source a pipeline job runs, so code edits rerun it.

Snakemake watches a rule's script file only. `code_fingerprint(script, study, model_types)`
follows, statically (`ast`, no imports, no torch), the imports of the script into `taskdyn`:
top-level imports of every module reached, and the lazy imports inside the functions it uses
(`from taskdyn.x import f` reaches `f`'s imports, `module.f(...)` likewise); a module imported
whole, or used other than by attribute, brings all its functions' imports. The studies' own
modules, imported by name at run time, are added for the job's study, and a module that builds a
native kernel (`native.kernel_for("name", ...)`) brings its C source.

Model families: a study module imports every family its models use; a job for one model runs
only that model's family. So the family modules (`FAMILY_MODULES`) enter a job's fingerprint
only for the model types it runs (`model_types`; None: every family reached), and
`TYPE_ONLY_MODULES` narrows a module to the types that run it (the GRU kernel to `gru`).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "taskdyn"
ROOT = Path(__file__).resolve().parent.parent
FAMILY_MODULES = frozenset({
    "taskdyn.models.recurrent", "taskdyn.models.gru_sequence", "taskdyn.models.nback",
    "taskdyn.models.thalamus", "taskdyn.models.gpt2_rope",
})
TYPE_ONLY_MODULES = {"taskdyn.models.gru_sequence": frozenset({"gru"})}
# The functions that import a module of the job's study by name: (module, function) → the
# study package's module they import.
DYNAMIC_IMPORTS = {
    ("taskdyn.studies", "get_study"): "study",
    ("taskdyn.studies", "get_dataset_inputs"): "inputs",
    ("taskdyn.studies", "get_config_check"): "checks",
    ("taskdyn.claims", "study_claims"): "claims",
    ("taskdyn.config", "expand_study"): "checks",
    ("taskdyn.catalogue", "_checks"): "checks",
}
NATIVE_MODULE = "taskdyn.models.native"
TOP = ""  # the symbol of a package run as a parent: its top-level code only


@dataclass(frozen=True)
class _Module:
    """What the import graph needs of one module's source."""

    path: Path
    top: tuple[tuple[str, str | None], ...]  # imports that run on import: (module, name)
    # per top-level name (def, class, constant, imported name): the imports its code runs
    lazy: dict[str, tuple[tuple[str, str | None], ...]]
    calls: dict[str, frozenset[str]]  # the names each top-level name's code refers to
    kernels: tuple[str, ...]  # native kernels built: `kernel_for("name", ...)`


@functools.cache
def module_path(name: str, root: Path = ROOT) -> Path | None:
    """The source file of module `name` under `root`, or None if there is none."""
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _resolve(node: ast.ImportFrom, current: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = current.split(".")
    base = parts[: len(parts) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(stmts: Iterable[ast.AST], current: str, is_package: bool,
             root: Path) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
    """(module, name) targets of the `taskdyn` imports in `stmts` and the local alias of each
    module imported whole; name is None for a module, else a name taken from the module."""
    targets, aliases = [], {}
    for node in stmts:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    targets.append((alias.name, None))
                    if alias.asname:
                        aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(node, current, is_package)
            if source.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if module_path(submodule, root):
                    targets.append((submodule, None))
                    aliases[alias.asname or alias.name] = submodule
                else:
                    targets.append((source, None if alias.name == "*" else alias.name))
    return targets, aliases


def _walk_no_type_checking(tree: ast.AST) -> Iterable[ast.AST]:
    """Every node under `tree`, skipping `if TYPE_CHECKING:` blocks (they never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _outside_defs(tree: ast.Module) -> Iterable[ast.AST]:
    """The nodes that run when the module is imported: all but defs, classes, TYPE_CHECKING."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


@functools.cache  # the graph only: `code_fingerprint` reads the files' bytes every time
def _parse(path: Path, name: str, root: Path) -> _Module:
    """Module `name`'s imports, top-level names and native kernels, from its source at `path`."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    is_package = path.name == "__init__.py"
    nodes = list(_outside_defs(tree))
    top, aliases = _imports(nodes, name, is_package, root)
    lazy, calls = {}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = list(_walk_no_type_checking(node))
            nodes += body
            targets, inner = _imports(body, name, is_package, root)
            aliases.update(inner)
            lazy[node.name] = tuple(targets)
            calls[node.name] = frozenset(n.id for n in body if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            # a module-level constant: runs on import; refers to the defs its value names
            targets_ = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets_:
                if isinstance(target, ast.Name):
                    lazy[target.id] = ()
                    calls[target.id] = frozenset(
                        n.id for n in ast.walk(node.value) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:  # a name imported at the top: its module is in `top`
                bound = alias.asname or alias.name.split(".")[0]
                lazy.setdefault(bound, ())
                calls.setdefault(bound, frozenset())
    # Which attributes of each module alias the code uses; an alias used bare counts as whole.
    attributes: dict[str, set[str]] = {alias: set() for alias in aliases}
    uses = dict.fromkeys(aliases, 0)
    kernels = []
    for node in nodes:
        if isinstance(node, ast.Name) and node.id in uses:
            uses[node.id] += 1
        elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) in uses:
            attributes[node.value.id].add(node.attr)
            uses[node.value.id] -= 1  # its Name is counted too: not a bare use
        elif (isinstance(node, ast.Call) and node.args
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "kernel_for"
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            kernels.append(node.args[0].value)
    attributes = {alias: used if uses[alias] <= 0 else None for alias, used in attributes.items()}
    used_of: dict[str, set[str] | None] = {}
    for alias, used in attributes.items():
        module = aliases[alias]
        known = used_of.get(module, set())
        used_of[module] = None if used is None or known is None else known | used

    def narrowed(targets: list[tuple[str, str | None]]) -> tuple[tuple[str, str | None], ...]:
        """A module imported whole but used only as `module.attr`: its top level and attrs."""
        out = []
        for module, symbol in targets:
            used = used_of.get(module)
            if symbol is None and used is not None:
                out += [(module, TOP)] + [(module, attr) for attr in sorted(used)]
            else:
                out.append((module, symbol))
        return tuple(out)

    return _Module(path=path, top=narrowed(top),
                   lazy={d: narrowed(list(t)) for d, t in lazy.items()}, calls=calls,
                   kernels=tuple(kernels))


def _load(name: str, root: Path) -> _Module | None:
    path = module_path(name, root)
    return _parse(path, name, root) if path else None


def _wanted(name: str, model_types: frozenset[str | None] | None) -> bool:
    """Whether a family module runs for jobs of `model_types` (None: every type)."""
    if model_types is None or name not in FAMILY_MODULES:
        return True
    allowed = TYPE_ONLY_MODULES.get(name)
    return bool(model_types) and (allowed is None or bool(allowed & model_types))


@functools.cache
def code_files(script: Path, study: str | None = None,
               model_types: frozenset[str | None] | None = None,
               root: Path = ROOT) -> tuple[Path, ...]:
    """Every source file `script` runs within `taskdyn` (itself first, then sorted): see the
    module docstring; `model_types` None means every model family reached."""
    script_module = _parse(Path(script), "__main__", root)
    todo: list[tuple[str, str | None]] = list(script_module.top)
    native = module_path(NATIVE_MODULE, root)
    seen: set[tuple[str, str | None]] = set()
    files: set[Path] = set()
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        name, symbol = item
        if symbol and module_path(f"{name}.{symbol}", root):
            todo.append((f"{name}.{symbol}", None))  # `package.submodule` used as an attribute
        if not _wanted(name, model_types):
            continue
        module = _load(name, root)
        if module is None:
            continue
        files.add(module.path)
        files.update(p for k in module.kernels
                     if native and (p := native.with_name(f"{k}.c")).is_file())
        parts = name.split(".")
        todo += [(".".join(parts[:i]), TOP) for i in range(1, len(parts))]  # parents run
        todo += module.top
        for d in _defs_used(module, symbol):
            todo += module.lazy[d]
            entry = DYNAMIC_IMPORTS.get((name, d))
            if entry and study is not None:
                todo.append((f"{PACKAGE}.studies.{study}.{entry}", None))
    return (Path(script), *sorted(files - {Path(script)}))


def _defs_used(module: _Module, symbol: str | None) -> set[str]:
    """The module's top-level defs run by `symbol` (every one for the whole module or an
    unknown name), following references between them."""
    if symbol == TOP:
        return set()
    if symbol is None or symbol not in module.lazy:
        return set(module.lazy)
    used, todo = set(), [symbol]
    while todo:
        name = todo.pop()
        if name in used or name not in module.lazy:
            continue
        used.add(name)
        todo += module.calls[name]
    return used


def code_fingerprint(script: str | Path, study: str | None = None,
                     model_types: Iterable[str | None] | None = None,
                     root: Path = ROOT) -> str:
    """sha256 over the sorted (path relative to `root`, bytes) of `code_files`."""
    types = None if model_types is None else frozenset(model_types)
    digest = hashlib.sha256()
    for path in sorted(code_files(Path(script).resolve(), study, types, root)):
        try:
            label = path.relative_to(root).as_posix()
        except ValueError:
            label = path.name
        digest.update(json.dumps(label).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_record(script: str | Path, study: str | None = None,
                model_types: Iterable[str | None] | None = None, root: Path = ROOT) -> str:
    """A job's `code` param: the fingerprint and what it was computed from, as canonical JSON
    (so `taskdyn verify` can recompute it later)."""
    types = None if model_types is None else sorted(model_types, key=str)
    record = {"script": Path(script).resolve().relative_to(root).as_posix()
              if Path(script).resolve().is_relative_to(root) else str(script),
              "study": study, "model_types": types,
              "sha256": code_fingerprint(script, study, types, root)}
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def is_code_record(value: object) -> bool:
    """Whether a recorded param value is a `code_record`."""
    if not isinstance(value, str) or not value.startswith("{"):
        return False
    try:
        record = json.loads(value)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and set(record) == {"script", "study", "model_types", "sha256"}


def current_record(recorded: str, root: Path = ROOT) -> str | None:
    """The `code_record` a recorded one would have today, or None if its script is gone."""
    record = json.loads(recorded)
    script = Path(record["script"])
    script = script if script.is_absolute() else root / script
    if not script.is_file():
        return None
    return code_record(script, record["study"], record["model_types"], root)
