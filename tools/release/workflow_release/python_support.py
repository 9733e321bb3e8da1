"""The Python versions a project declares, checked against the versions the workspace tests.

The tested versions are the list of ``[tool.python-matrix] versions`` in the root
``pyproject.toml`` (read by ``tools/scripts/python_matrix.py``, which runs them). Every library
and app declares exactly those, so that what PyPI shows is what CI ran:

- ``[project] classifiers`` (static: with ``[tool.poetry] classifiers``, or none, Poetry adds a
  classifier for every version its ``python`` range allows, untested ones included):
  ``Programming Language :: Python :: 3``, ``:: 3 :: Only`` and ``:: 3.X`` for each tested
  version, and no other Python version;
- ``[project] name`` equal to ``[tool.poetry] name``, every other field left to ``[tool.poetry]``
  (``dynamic``);
- a ``python`` range (``[tool.poetry.dependencies] python``) whose lower bound is the lowest
  tested version and which allows every tested one (the upper bound stays open: a library
  declares what it is compatible with, the classifiers what was tested).

Every other project (tools, the workspace root) only needs the ``python`` range, and the
workspace's tool settings name the lowest version: ``.python-version``, mypy's
``python_version``, ruff's ``target-version`` and the Nx generator's defaults.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.version import Version

from workflow_release.manifests import Project, find_projects, poetry_constraint_to_specifier

__all__ = [
    "PYTHON_CLASSIFIER",
    "check_python_support",
    "expected_classifiers",
    "python_classifiers",
]

PYTHON_CLASSIFIER = "Programming Language :: Python"
_DECLARING_FOLDERS = ("libs", "apps")


def expected_classifiers(versions: Sequence[str]) -> list[str]:
    """The Python classifiers of the tested versions, sorted."""
    return sorted(
        [
            f"{PYTHON_CLASSIFIER} :: 3",
            f"{PYTHON_CLASSIFIER} :: 3 :: Only",
            *(f"{PYTHON_CLASSIFIER} :: {v}" for v in versions),
        ]
    )


def python_classifiers(classifiers: Sequence[str]) -> list[str]:
    """The classifiers naming a Python version (``:: 3``, ``:: 3 :: Only``, ``:: 3.X``), sorted.

    ``Programming Language :: Python :: Implementation :: ...`` is not a version.
    """
    prefix = f"{PYTHON_CLASSIFIER} :: "
    return sorted(c for c in classifiers if c.startswith(prefix) and c[len(prefix) :][:1].isdigit())


def check_python_support(workspace: Path, versions: Sequence[str]) -> list[str]:
    """Checks every project and the workspace settings against the tested versions.

    Args:
        workspace: The workspace root.
        versions: The tested versions, lowest first (``["3.11", "3.12", "3.13"]``).

    Returns:
        One message per problem; empty when everything agrees.
    """
    if not versions:
        return ["no tested Python version"]
    problems = []
    root = tomllib.loads((workspace / "pyproject.toml").read_text(encoding="utf-8"))
    problems += [f"pyproject.toml: {p}" for p in _check_range(root, versions)]
    for project in find_projects(workspace):
        where = project.root.relative_to(workspace)
        found = _check_range(project.pyproject, versions)
        if where.parts[0] in _DECLARING_FOLDERS:
            found += _check_classifiers(project, versions)
        problems += [f"{where}/pyproject.toml: {p}" for p in found]
    problems += _check_settings(workspace, root, versions[0])
    return problems


def _python_range(pyproject: dict[str, Any]) -> str | None:
    deps = pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {})
    value = deps.get("python")
    return str(value) if value is not None else None


def _check_range(pyproject: dict[str, Any], versions: Sequence[str]) -> list[str]:
    declared = _python_range(pyproject)
    if declared is None:
        return ["[tool.poetry.dependencies] python is missing"]
    try:
        specifier = poetry_constraint_to_specifier(declared)
    except ValueError as err:
        return [f"python: {err}"]
    problems = [
        f"python {declared!r} excludes {version}, a tested version"
        for version in versions
        if not specifier.contains(f"{version}.0")
    ]
    lowest = Version(versions[0])
    below = f"{lowest.major}.{lowest.minor - 1}.99" if lowest.minor else None
    if below is not None and specifier.contains(below):
        problems.append(
            f"python {declared!r} allows versions below {versions[0]}, the lowest tested"
        )
    return problems


def _check_classifiers(project: Project, versions: Sequence[str]) -> list[str]:
    table = project.pyproject.get("project")
    if not isinstance(table, dict):
        return [
            "[project] with static classifiers is missing (without it Poetry declares every"
            " Python version its python range allows, untested ones included)"
        ]
    problems = []
    dynamic = table.get("dynamic", [])
    if "classifiers" in dynamic or "classifiers" not in table:
        problems.append("[project] classifiers must be static (not in dynamic)")
    poetry_name = project.package
    if table.get("name") != poetry_name:
        problems.append(f"[project] name {table.get('name')!r} differs from {poetry_name!r}")
    for key in ("version", "dependencies", "requires-python"):
        if key not in dynamic:
            problems.append(f"[project] dynamic must list {key!r} ([tool.poetry] keeps it)")
    declared = python_classifiers(table.get("classifiers", []))
    wanted = expected_classifiers(versions)
    if declared != wanted:
        missing = sorted(set(wanted) - set(declared))
        extra = sorted(set(declared) - set(wanted))
        problems.append(
            f"Python classifiers differ from the tested versions {list(versions)}:"
            f" missing {missing}, not tested {extra}"
        )
    return problems


def _check_settings(workspace: Path, root: dict[str, Any], lowest: str) -> list[str]:
    problems = []
    pinned = (workspace / ".python-version").read_text(encoding="utf-8").strip()
    if pinned != lowest:
        problems.append(f".python-version: {pinned!r}, not the lowest tested version {lowest}")
    tool = root.get("tool", {})
    if str(tool.get("mypy", {}).get("python_version")) != lowest:
        problems.append(f"pyproject.toml: [tool.mypy] python_version must be {lowest!r}")
    target = "py" + lowest.replace(".", "")
    if tool.get("ruff", {}).get("target-version") != target:
        problems.append(f"pyproject.toml: [tool.ruff] target-version must be {target!r}")
    nx_json = json.loads((workspace / "nx.json").read_text(encoding="utf-8"))
    defaults = nx_json.get("generators", {}).get("@nxlv/python:poetry-project", {})
    if defaults.get("pyenvPythonVersion") != lowest:
        problems.append(f"nx.json: the poetry-project generator's pyenvPythonVersion: {lowest}")
    generated = defaults.get("pyprojectPythonDependency")
    if generated is not None:
        try:
            specifier = poetry_constraint_to_specifier(str(generated))
        except ValueError as err:
            problems.append(f"nx.json: pyprojectPythonDependency: {err}")
        else:
            if not specifier.contains(f"{lowest}.0"):
                problems.append(f"nx.json: pyprojectPythonDependency excludes {lowest}")
    return problems
