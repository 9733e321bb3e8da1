"""The public contract of each release, and the gate that fails on a breaking change.

`extract` reads the current code's contract, surface by surface (`SURFACES`); `snapshot`
writes it to ``releases/<version>/contract/``; `check` compares the code with the newest
release that has a snapshot (`compare`). The rules are in each surface's module and in
``docs/contract-gate.md``. Command line: ``python -m workflow_release contract snapshot|check``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from workflow_release.contract._types import Change
from workflow_release.contract._workspace import (
    RELEASES_ENV,
    Release,
    current_version,
    dump_json,
    find_workspace_root,
    newest_snapshot,
    releases_dir,
)
from workflow_release.contract.activities import compare_activities, extract_activities
from workflow_release.contract.cli import compare_cli, extract_cli
from workflow_release.contract.database import compare_database, extract_database
from workflow_release.contract.errors import compare_errors, extract_errors
from workflow_release.contract.events import compare_events, extract_events
from workflow_release.contract.metrics import compare_metrics, extract_metrics
from workflow_release.contract.python_api import compare_python_api, extract_python_api

__all__ = [
    "RELEASES_ENV",
    "SURFACES",
    "Change",
    "Release",
    "compare",
    "current_version",
    "extract",
    "find_workspace_root",
    "newest_snapshot",
    "read_snapshot",
    "releases_dir",
    "render",
]

Extract = Callable[[], Any]
Compare = Callable[[Any, Any], list[Change]]

SURFACES: dict[str, tuple[Extract, Compare]] = {
    "activities": (extract_activities, compare_activities),
    "events": (extract_events, compare_events),
    "errors": (extract_errors, compare_errors),
    "cli": (extract_cli, compare_cli),
    "metrics": (extract_metrics, compare_metrics),
    "database": (extract_database, compare_database),
    "python-api": (extract_python_api, compare_python_api),
}
"""Each surface: how to read it from the code, how to compare two readings."""

_PYTHON_API = "python-api"


def extract() -> dict[str, Any]:
    """The current code's contract, by surface."""
    return {name: read() for name, (read, _) in SURFACES.items()}


def render(contract: dict[str, Any]) -> dict[str, str]:
    """Relative file path -> text of every snapshot file (``python-api/<dist>.json`` each)."""
    files = {
        f"{name}.json": dump_json(value) for name, value in contract.items() if name != _PYTHON_API
    }
    for distribution, packages in contract[_PYTHON_API].items():
        files[f"{_PYTHON_API}/{distribution}.json"] = dump_json(packages)
    return files


def read_snapshot(folder: Path) -> dict[str, Any]:
    """A snapshot folder read back (a surface missing from it is left out)."""
    import json

    contract: dict[str, Any] = {}
    for name in SURFACES:
        if name == _PYTHON_API:
            api = {
                p.stem: json.loads(p.read_text(encoding="utf-8"))
                for p in sorted((folder / name).glob("*.json"))
            }
            if api:
                contract[name] = api
        elif (folder / f"{name}.json").is_file():
            contract[name] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return contract


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every breaking change and addition from ``old`` to ``new``, breaking ones first."""
    changes: list[Change] = []
    for name, (_, compare_surface) in SURFACES.items():
        if name in old:
            changes += compare_surface(old[name], new[name])
    return sorted(changes, key=lambda c: (not c.breaking, c.surface, c.path, c.message))
