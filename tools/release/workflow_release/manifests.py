"""What makes a workspace project releasable, checked from its files.

A publishable library (Nx tag ``publishable``) is released by ``nx release`` with
``@nxlv/python``'s version actions and published as a wheel whose metadata carries the
ranges of its own ``pyproject.toml``. For that, its files must say:

- ``project.json``: the tag ``publishable``; a ``build`` target (``@nxlv/python:build``) with
  ``publish: true``, ``lockedVersions: false`` and ``bundleLocalDependencies: false``; an
  ``nx-release-publish`` target (``@nxlv/python:publish``).
- ``pyproject.toml``: a version; every third-party run-time dependency with a version range
  (never ``==``, never ``*``, no stub or type-only package); every workspace (path)
  dependency on another publishable library, with its published range under
  ``[tool.nx.dependencies.<name>] range = ">=x.y.z,<N+1.0"`` (N: the dependency's major) that
  allows the dependency's current version.

Every project under ``libs/`` must be publishable; apps and tools must not be (they keep
locked, bundled builds).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

__all__ = [
    "PUBLISHABLE_TAG",
    "Project",
    "check_release_config",
    "find_projects",
    "is_stub_package",
    "poetry_constraint_to_specifier",
]

PUBLISHABLE_TAG = "publishable"
VERSION_ACTIONS = "@nxlv/python/release/version-actions"
_PROJECT_FOLDERS = ("libs", "apps", "tools")


@dataclass(frozen=True)
class Project:
    """A workspace project: its folder, ``project.json`` and ``pyproject.toml``."""

    root: Path
    config: dict[str, Any]
    pyproject: dict[str, Any]

    @property
    def name(self) -> str:
        """The Nx project name."""
        return str(self.config.get("name", self.root.name))

    @property
    def package(self) -> str:
        """The distribution name (``tool.poetry.name``)."""
        return str(self.pyproject.get("tool", {}).get("poetry", {}).get("name", ""))

    @property
    def version(self) -> str:
        """The version in ``pyproject.toml``."""
        return str(self.pyproject.get("tool", {}).get("poetry", {}).get("version", ""))

    @property
    def publishable(self) -> bool:
        """Whether the project carries the ``publishable`` tag."""
        return PUBLISHABLE_TAG in self.config.get("tags", [])

    @property
    def dependencies(self) -> dict[str, Any]:
        """The main dependencies of ``pyproject.toml`` (without ``python``)."""
        deps = dict(self.pyproject.get("tool", {}).get("poetry", {}).get("dependencies", {}))
        deps.pop("python", None)
        return deps

    @property
    def published_ranges(self) -> dict[str, str]:
        """The ``[tool.nx.dependencies.<name>] range`` values, by dependency name."""
        declared = self.pyproject.get("tool", {}).get("nx", {}).get("dependencies", {})
        return {
            name: str(entry["range"])
            for name, entry in declared.items()
            if isinstance(entry, dict) and "range" in entry
        }


def find_projects(workspace: Path) -> list[Project]:
    """Every Python project of the workspace (a ``project.json`` beside a ``pyproject.toml``).

    Args:
        workspace: The workspace root.

    Returns:
        The projects under ``libs/``, ``apps/`` and ``tools/``, sorted by folder.
    """
    projects = []
    for folder in _PROJECT_FOLDERS:
        for config_path in sorted((workspace / folder).glob("*/project.json")):
            pyproject_path = config_path.parent / "pyproject.toml"
            if not pyproject_path.is_file():
                continue
            projects.append(
                Project(
                    root=config_path.parent,
                    config=json.loads(config_path.read_text(encoding="utf-8")),
                    pyproject=tomllib.loads(pyproject_path.read_text(encoding="utf-8")),
                )
            )
    return projects


def is_stub_package(name: str) -> bool:
    """Whether a distribution only carries type information (``types-*``, ``*-stubs``)."""
    normalized = name.lower().replace("_", "-")
    return normalized.startswith("types-") or normalized.endswith(("-stubs", "-stubs-lite"))


def poetry_constraint_to_specifier(constraint: str) -> SpecifierSet:
    """Converts a Poetry version constraint to a PEP 440 specifier set.

    Handles what the workspace writes: ``^x.y.z``, ``~x.y``, and comma-separated PEP 440
    clauses.

    Args:
        constraint: A Poetry constraint such as ``^1.35.0`` or ``>=0.30.0,<1``.

    Raises:
        ValueError: The constraint is empty, ``*``, or not understood.
    """
    text = constraint.strip()
    if not text or text == "*":
        raise ValueError(f"no version range: {constraint!r}")
    clauses = []
    for part in (p.strip() for p in text.split(",")):
        if part.startswith("^"):
            clauses.extend(_caret(part[1:]))
        elif part.startswith("~") and not part.startswith("~="):
            clauses.extend(_tilde(part[1:]))
        else:
            clauses.append(part)
    try:
        return SpecifierSet(",".join(clauses))
    except InvalidSpecifier as err:
        raise ValueError(f"not a version range: {constraint!r}") from err


def _caret(version: str) -> list[str]:
    parts = [int(p) for p in version.split(".")]
    padded = [*parts, 0, 0][:3]
    index = next((i for i, p in enumerate(padded) if p != 0), len(parts) - 1)
    index = min(index, len(parts) - 1)
    upper = padded[: index + 1]
    upper[-1] += 1
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]


def _tilde(version: str) -> list[str]:
    parts = [int(p) for p in version.split(".")]
    upper = parts[:2] if len(parts) > 1 else parts[:1]
    upper[-1] += 1
    return [f">={version}", f"<{'.'.join(map(str, upper))}"]


def _constraint_of(spec: Any) -> str | None:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        version = spec.get("version")
        return str(version) if version is not None else None
    return None


def check_release_config(workspace: Path) -> list[str]:
    """Checks ``nx.json`` and every project against the release set-up.

    Args:
        workspace: The workspace root.

    Returns:
        One message per problem; empty when everything is releasable.
    """
    problems = _check_nx_json(workspace)
    projects = find_projects(workspace)
    by_root = {project.root.resolve(): project for project in projects}
    for project in projects:
        where = project.root.relative_to(workspace)
        in_libs = where.parts[0] == "libs"
        if in_libs and not project.publishable:
            problems.append(f"{where}: a library must carry the tag {PUBLISHABLE_TAG!r}")
        if not project.publishable:
            continue
        problems.extend(f"{where}: {p}" for p in _check_project(project, by_root))
    return problems


def _check_nx_json(workspace: Path) -> list[str]:
    nx_json = json.loads((workspace / "nx.json").read_text(encoding="utf-8"))
    release = nx_json.get("release", {})
    problems = []
    libraries = release.get("groups", {}).get("libraries", {})
    if f"tag:{PUBLISHABLE_TAG}" not in libraries.get("projects", []):
        problems.append(
            f"nx.json: release.groups.libraries.projects must select tag:{PUBLISHABLE_TAG}"
        )
    if release.get("projectsRelationship") != "independent":
        problems.append("nx.json: release.projectsRelationship must be 'independent'")
    if release.get("version", {}).get("versionActions") != VERSION_ACTIONS:
        problems.append(f"nx.json: release.version.versionActions must be {VERSION_ACTIONS}")
    if not release.get("changelog", {}).get("projectChangelogs"):
        problems.append("nx.json: release.changelog.projectChangelogs must be on")
    return problems


def _check_project(project: Project, by_root: dict[Path, Project]) -> list[str]:
    problems = []
    targets = project.config.get("targets", {})
    build = targets.get("build", {})
    options = build.get("options", {})
    if build.get("executor") != "@nxlv/python:build":
        problems.append("build target must use @nxlv/python:build")
    wanted = {"publish": True, "lockedVersions": False, "bundleLocalDependencies": False}
    for key, value in wanted.items():
        if options.get(key) is not value:
            problems.append(f"build option {key} must be {str(value).lower()}")
    if targets.get("nx-release-publish", {}).get("executor") != "@nxlv/python:publish":
        problems.append("an nx-release-publish target with @nxlv/python:publish is missing")
    try:
        Version(project.version)
    except ValueError:
        problems.append(f"pyproject version {project.version!r} is not a PEP 440 version")
    ranges = project.published_ranges
    for name, spec in project.dependencies.items():
        if is_stub_package(name):
            problems.append(f"{name}: a stub package is not a run-time dependency")
            continue
        if isinstance(spec, dict) and "path" in spec:
            problems.extend(_check_workspace_dependency(project, name, spec, ranges, by_root))
            continue
        constraint = _constraint_of(spec)
        if constraint is None:
            problems.append(f"{name}: needs a version range (git/url sources cannot publish)")
            continue
        if "==" in constraint or (constraint[:1].isdigit()):
            problems.append(f"{name}: {constraint!r} pins a version; declare a range")
            continue
        try:
            poetry_constraint_to_specifier(constraint)
        except ValueError as err:
            problems.append(f"{name}: {err}")
    return problems


def _check_workspace_dependency(
    project: Project,
    name: str,
    spec: dict[str, Any],
    ranges: dict[str, str],
    by_root: dict[Path, Project],
) -> list[str]:
    target = by_root.get((project.root / str(spec["path"])).resolve())
    if target is None:
        return [f"{name}: path {spec['path']!r} is not a workspace project"]
    if not target.publishable:
        return [f"{name}: depends on {target.name}, which is not publishable"]
    declared = ranges.get(name)
    if declared is None:
        return [
            f'{name}: declare [tool.nx.dependencies.{name}] range = ">=x.y.z,<N+1.0"'
            " (N: its major version)"
        ]
    try:
        specifier = SpecifierSet(declared)
    except InvalidSpecifier:
        return [f"{name}: range {declared!r} is not a PEP 440 specifier"]
    problems = []
    if any(s.operator in ("==", "===") for s in specifier):
        problems.append(f"{name}: range {declared!r} pins a version")
    if not any(s.operator in (">=", "~=") for s in specifier):
        problems.append(f"{name}: range {declared!r} needs a lower bound (>=)")
    if not specifier.contains(target.version, prereleases=True):
        problems.append(f"{name}: range {declared!r} excludes its version {target.version}")
    return problems
