"""``python-api/<distribution>.json``: each library's public Python API, as griffe reads it.

Each library's packages are loaded from the sources Python imports (so a scratch copy that
shadows the installed one is what is read), into one modules collection, so that a name one
library re-exports from another resolves. Stored with griffe's own JSON form (``as_json``),
file paths made relative to the package's folder; compared with
`griffe.find_breaking_changes`, an alias to a module outside the libraries being skipped.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import griffe

from workflow_release.contract._apps import library_packages
from workflow_release.contract._types import Change

__all__ = ["compare_python_api", "extract_python_api"]

_NOT_API = frozenset({"docstring"})
"""Left out of the snapshot: prose, not API (line numbers stay: griffe needs them)."""


def _search_path(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"package {package} is not importable")
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


def _relative(value: Any, base: str) -> Any:
    """The tree with file paths relative to ``base`` and without docstrings."""
    if isinstance(value, dict):
        return {
            k: v[len(base) :]
            if k == "filepath" and isinstance(v, str) and v.startswith(base)
            else _relative(v, base)
            for k, v in value.items()
            if k not in _NOT_API
        }
    if isinstance(value, list):
        return [_relative(v, base) for v in value]
    return value


def extract_python_api() -> dict[str, dict[str, Any]]:
    """Distribution name -> ``{package: griffe JSON of its module tree}``."""
    distributions = library_packages()
    packages = {p: _search_path(p) for names in distributions.values() for p in names}
    loader = griffe.GriffeLoader(search_paths=sorted({str(p) for p in packages.values()}))
    found: dict[str, dict[str, Any]] = {}
    for distribution, names in distributions.items():
        found[distribution] = {}
        for package in names:
            module = loader.load(package)
            tree = json.loads(module.as_json())
            found[distribution][package] = _relative(tree, f"{packages[package]}/")
    return found


def _load(trees: dict[str, dict[str, Any]]) -> dict[str, griffe.Object]:
    collection = griffe.ModulesCollection()
    modules: dict[str, griffe.Object] = {}
    for packages in trees.values():
        for package, tree in packages.items():
            module = griffe.Object.from_json(json.dumps(tree))
            module._modules_collection = collection  # griffe's loader does this
            collection.set_member(package, module)
            modules[package] = module
    return modules


def compare_python_api(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[Change]:
    """griffe's breaking changes of every package; a distribution or package removed."""
    old_modules, new_modules = _load(old), _load(new)
    changes: list[Change] = []
    for distribution in sorted(old):
        if distribution not in new:
            changes.append(Change(True, "python-api", distribution, "distribution removed"))
            continue
        for package in sorted(old[distribution]):
            if package not in new_modules:
                changes.append(Change(True, "python-api", package, "package removed"))
                continue
            for breakage in griffe.find_breaking_changes(
                old_modules[package], new_modules[package]
            ):
                changes.append(Change(True, "python-api", breakage.obj.path, _explain(breakage)))
    for distribution in sorted(new.keys() - old.keys()):
        changes.append(Change(False, "python-api", distribution, "distribution added"))
    return changes


def _explain(breakage: griffe.Breakage) -> str:
    old, new = str(breakage.old_value or ""), str(breakage.new_value or "")
    detail = f"{old} -> {new}" if old and new else old or new
    text = breakage.kind.value
    return f"{text}: {detail}" if detail else text
