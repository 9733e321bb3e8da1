"""The sample apps' Python packages, from ``apps/*/pyproject.toml``."""

from __future__ import annotations

import tomllib

from workflow_release.contract._workspace import find_workspace_root

__all__ = ["app_packages", "library_packages"]


def _packages(kind: str) -> dict[str, list[str]]:
    root = find_workspace_root()
    found: dict[str, list[str]] = {}
    for manifest in sorted((root / kind).glob("*/pyproject.toml")):
        poetry = tomllib.loads(manifest.read_text(encoding="utf-8"))["tool"]["poetry"]
        found[str(poetry["name"])] = sorted(str(p["include"]) for p in poetry.get("packages", []))
    return found


def app_packages() -> list[str]:
    """The import names of the apps' packages, sorted."""
    return sorted(p for packages in _packages("apps").values() for p in packages)


def library_packages() -> dict[str, list[str]]:
    """Each library's distribution name and its import packages."""
    return _packages("libs")
