"""The release record: ``releases/<version>/release.json``, written on the release commit.

A git tag may not travel with a copy of the repository (an export, a mirror that drops tags), so
each release writes what it is into the repository itself: the commit ``nx release`` made, the
date, and every released project's version. The rolling-upgrade drill builds a release's wheels
from that commit; the contract gate compares the code with the newest release's snapshot.

    python -m workflow_release.record            # on the `chore(release): publish` commit
    python -m workflow_release.record --list     # the recorded releases, oldest first

It then writes the release's contract snapshot (``python -m workflow_release contract snapshot``)
beside the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from workflow_release.index import workspace_root
from workflow_release.manifests import find_projects

__all__ = [
    "RELEASE_COMMIT_SUBJECT",
    "Release",
    "main",
    "read_releases",
    "record",
    "release_record",
]

RELEASE_COMMIT_SUBJECT = "chore(release): publish"
"""The subject of the commit `nx release` makes (nx.json ``release.git``)."""

UMBRELLA = "libs/shared-activities"
"""The project whose version names a release."""


@dataclass(frozen=True)
class Release:
    """One recorded release."""

    version: Version
    commit: str
    date: str
    projects: dict[str, str | None]
    folder: Path


def read_releases(root: Path) -> list[Release]:
    """Every release recorded under ``<root>/releases``, oldest first.

    Args:
        root: The workspace root.

    Returns:
        The releases, sorted by version.
    """
    found = []
    for path in sorted((root / "releases").glob("*/release.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            Release(
                version=Version(data["version"]),
                commit=data["commit"],
                date=data["date"],
                projects=dict(data["projects"]),
                folder=path.parent,
            )
        )
    return sorted(found, key=lambda release: release.version)


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def release_record(root: Path, commit: str) -> dict[str, object]:
    """The record of the release made at ``commit``, read from the workspace's manifests.

    Args:
        root: The workspace root (checked out at ``commit``).
        commit: The release commit (40 hex digits).

    Returns:
        The JSON document of ``releases/<version>/release.json``.
    """
    projects = {
        project.name: project.version
        for project in find_projects(root)
        if project.root.parent.name in ("libs", "apps")
    }
    umbrella = next(p for p in find_projects(root) if p.root == root / UMBRELLA)
    return {
        "version": umbrella.version,
        "commit": commit,
        "date": dt.datetime.now(dt.UTC).date().isoformat(),
        "projects": dict(sorted(projects.items())),
    }


def record(root: Path, *, force: bool = False, snapshot: bool = True) -> int:
    """Writes the record of the release at HEAD, then its contract snapshot; the exit code."""
    if _git(root, "status", "--porcelain", "--untracked-files=no"):
        print("record: the work tree has changes; record on the release commit", file=sys.stderr)
        return 2
    subject = _git(root, "log", "-1", "--format=%s")
    if subject != RELEASE_COMMIT_SUBJECT:
        print(
            f"record: HEAD is {subject!r}, not the {RELEASE_COMMIT_SUBJECT!r} commit of"
            " `nx release`",
            file=sys.stderr,
        )
        return 2
    document = release_record(root, _git(root, "rev-parse", "HEAD"))
    folder = root / "releases" / str(document["version"])
    target = folder / "release.json"
    if target.exists() and not force:
        print(f"record: {target.relative_to(root)} exists (--force replaces it)", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target.relative_to(root)} (commit {document['commit']})")
    if not snapshot:
        return 0
    command = [sys.executable, "-m", "workflow_release", "contract", "snapshot"]
    command += ["--version", str(document["version"])] + (["--force"] if force else [])
    return subprocess.run(command, cwd=root, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m workflow_release.record", description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the recorded releases")
    parser.add_argument("--force", action="store_true", help="replace an existing record")
    parser.add_argument(
        "--no-snapshot", action="store_true", help="write the record only, not the snapshot"
    )
    args = parser.parse_args(argv)
    root = workspace_root()
    if args.list:
        for release in read_releases(root):
            print(f"{release.version}\t{release.commit}\t{release.date}")
        return 0
    return record(root, force=args.force, snapshot=not args.no_snapshot)


if __name__ == "__main__":
    raise SystemExit(main())
