"""The command line of the contract gate.

    python -m workflow_release contract snapshot [--version V] [--force] [--releases DIR]
    python -m workflow_release contract check [--releases DIR]

(also ``python -m workflow_release.contract ...``). ``snapshot`` writes the current code's
contract to ``<releases>/<version>/contract/`` (the version defaults to the libraries'
highest; an existing snapshot is kept unless ``--force``). ``check`` compares the code with
the newest release that has a snapshot and prints one line per change (``BREAKING ...``,
``ADDED ...``). Exit codes: 0 no breaking change (or the major version was raised, or no
snapshot yet); 1 a breaking change; 2 usage (a snapshot that exists, without ``--force``).
``--releases`` defaults to ``$WORKFLOW_RELEASES_DIR``, else ``<workspace>/releases``;
``--root`` is the workspace whose libraries' versions count (default: this one).
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from packaging.version import Version

from workflow_release.contract import (
    compare,
    current_version,
    extract,
    find_workspace_root,
    newest_snapshot,
    read_snapshot,
    releases_dir,
    render,
)

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workflow_release contract",
        description="Snapshot the public contract of a release, or check the code against the last one.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    snap = actions.add_parser("snapshot", help="write releases/<version>/contract/")
    snap.add_argument(
        "--version", type=Version, default=None, help="default: the libraries' version"
    )
    snap.add_argument("--force", action="store_true", help="replace an existing snapshot")
    check = actions.add_parser("check", help="compare the code with the newest snapshot")
    for sub in (snap, check):
        sub.add_argument("--releases", type=Path, default=None, help="the releases folder")
        sub.add_argument("--root", type=Path, default=None, help="the workspace root")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``snapshot`` or ``check``; returns the exit code."""
    args = _parser().parse_args(argv)
    root = (args.root or find_workspace_root()).resolve()
    releases = releases_dir(root, args.releases)
    if args.action == "snapshot":
        return _snapshot(
            releases / str(args.version or current_version(root)) / "contract", args.force
        )
    return _check(root, releases)


def _snapshot(folder: Path, force: bool) -> int:
    if folder.exists():
        if not force:
            print(f"{folder} exists: a release's snapshot is not replaced without --force")
            return 2
        shutil.rmtree(folder)
    for name, text in render(extract()).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


def _check(root: Path, releases: Path) -> int:
    release = newest_snapshot(releases)
    if release is None:
        print(f"no release with a contract snapshot yet (in {releases})")
        return 0
    changes = compare(read_snapshot(release.contract), extract())
    for change in changes:
        print(change)
    breaking = sum(c.breaking for c in changes)
    version = current_version(root)
    summary = f"{breaking} breaking change(s), {len(changes) - breaking} addition(s) since {release.version}"
    if not breaking:
        print(f"{summary}: compatible")
        return 0
    if version.major > release.version.major:
        print(
            f"{summary}: allowed, the major version goes {release.version.major} -> {version.major} ({version})"
        )
        return 0
    print(f"{summary}: not allowed without a new major version (the code is at {version})")
    return 1
