"""Where snapshots live, which release is the newest, what version the code is at."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

__all__ = [
    "RELEASES_ENV",
    "Release",
    "current_version",
    "dump_json",
    "find_workspace_root",
    "library_versions",
    "newest_snapshot",
    "releases_dir",
]

RELEASES_ENV = "WORKFLOW_RELEASES_DIR"
"""Overrides ``<workspace root>/releases`` (tests point it at a scratch folder)."""

CONTRACT_DIR = "contract"
"""A release's snapshot folder: ``releases/<version>/contract/``."""


def find_workspace_root(start: Path | None = None) -> Path:
    """The folder holding ``nx.json`` at or above ``start`` (default: this package).

    Raises:
        RuntimeError: There is none.
    """
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        if (folder / "nx.json").is_file():
            return folder
    raise RuntimeError(f"nx.json not found at or above {here}")


def releases_dir(root: Path, override: Path | None = None) -> Path:
    """``override``, else ``$WORKFLOW_RELEASES_DIR``, else ``<root>/releases``."""
    if override is not None:
        return override
    env = os.environ.get(RELEASES_ENV)
    return Path(env) if env else root / "releases"


def dump_json(value: Any) -> str:
    """The one text form of every snapshot file: sorted keys, 2-space indent, final newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def library_versions(root: Path) -> dict[str, Version]:
    """Each library's version (``libs/*/pyproject.toml``), by distribution name."""
    versions: dict[str, Version] = {}
    for manifest in sorted((root / "libs").glob("*/pyproject.toml")):
        poetry = tomllib.loads(manifest.read_text(encoding="utf-8"))["tool"]["poetry"]
        versions[str(poetry["name"])] = Version(str(poetry["version"]))
    return versions


def current_version(root: Path) -> Version:
    """The version the code is at: the highest of the libraries' versions.

    The libraries are versioned independently; a breaking change is released by bumping
    the major of the library that carries it, so the highest major is the one that counts.
    """
    versions = library_versions(root)
    if not versions:
        raise RuntimeError(f"no library under {root / 'libs'}")
    return max(versions.values())


@dataclass(frozen=True)
class Release:
    """A release folder that holds a contract snapshot."""

    version: Version
    path: Path

    @property
    def contract(self) -> Path:
        """Its snapshot folder."""
        return self.path / CONTRACT_DIR


def newest_snapshot(releases: Path) -> Release | None:
    """The highest version under ``releases`` that has a ``contract/`` folder (None: none)."""
    found: list[Release] = []
    if releases.is_dir():
        for folder in releases.iterdir():
            try:
                version = Version(folder.name)
            except InvalidVersion:
                continue
            if (folder / CONTRACT_DIR).is_dir():
                found.append(Release(version, folder))
    return max(found, key=lambda r: r.version, default=None)
