"""The release record (``releases/<version>/release.json``) and which release a drill upgrades from."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "WORKSPACE",
    "Release",
    "current_version",
    "parse_version",
    "read_releases",
    "select_release",
]

WORKSPACE = Path(__file__).resolve().parents[3]
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_APPS = ("apps/ingestion-worker", "apps/evaluation-worker")


@dataclass(frozen=True)
class Release:
    """One recorded release: its version and the commit it was cut from."""

    version: str
    commit: str

    @property
    def key(self) -> str:
        """``<version>-<first 12 hex of the commit>``: the name of its cached environment."""
        return f"{self.version}-{self.commit[:12]}"


def parse_version(text: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; the project releases plain ``X.Y.Z`` versions only.

    Raises:
        ValueError: ``text`` is not ``X.Y.Z``.
    """
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(f"not an X.Y.Z version: {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def read_releases(directory: Path = WORKSPACE / "releases") -> list[Release]:
    """Every ``<directory>/*/release.json``, oldest first.

    Raises:
        ValueError: A record without a 40-hex ``commit`` or with a bad ``version``.
    """
    releases = []
    for record in sorted(directory.glob("*/release.json")):
        data = json.loads(record.read_text())
        commit = str(data.get("commit", ""))
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise ValueError(f"{record}: commit {commit!r} is not 40 hex digits")
        parse_version(str(data["version"]))
        releases.append(Release(str(data["version"]), commit))
    return sorted(releases, key=lambda r: parse_version(r.version))


def current_version(workspace: Path = WORKSPACE) -> str:
    """The apps' version in the working tree (the highest of the two, should they differ)."""
    versions = []
    for app in _APPS:
        with (workspace / app / "pyproject.toml").open("rb") as handle:
            versions.append(str(tomllib.load(handle)["tool"]["poetry"]["version"]))
    return max(versions, key=parse_version)


def select_release(releases: list[Release], current: str, wanted: str | None = None) -> Release:
    """The release a rolling upgrade starts from.

    ``wanted`` picks one by version. Otherwise: the newest release below ``current``; when
    ``current`` equals the newest release (the code is that release or its successor before
    the bump) the one before it; when there is none before it either (the first release,
    and the code still carries its version), that release itself.

    Raises:
        LookupError: No such release (``wanted``), or no release at all.
    """
    if wanted is not None:
        for release in releases:
            if release.version == wanted:
                return release
        known = ", ".join(r.version for r in releases) or "none"
        raise LookupError(f"no release {wanted} in releases/ (recorded: {known})")
    ordered = sorted(releases, key=lambda r: parse_version(r.version))
    if not ordered:
        raise LookupError("no release recorded in releases/")
    now = parse_version(current)
    below = [r for r in ordered if parse_version(r.version) < now]
    if parse_version(ordered[-1].version) == now:
        before = [r for r in ordered[:-1] if parse_version(r.version) < now]
        return before[-1] if before else ordered[-1]
    if below:
        return below[-1]
    raise LookupError(f"no release at or below the current version {current}")
