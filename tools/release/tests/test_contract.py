"""The contract gate: snapshots are deterministic, and the check fails on breaking changes.

The breaking changes are made in a scratch copy of the workspace's libraries and apps; the
check runs in a subprocess whose ``PYTHONPATH`` puts the copies first, so they shadow the
editable installs (verified), and reads the copy's versions (``--root``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_release.contract import extract, find_workspace_root, render
from workflow_release.contract.command import main

ROOT = find_workspace_root()


def _packages(root: Path) -> list[Path]:
    return sorted(
        p.parent.parent
        for kind in ("libs", "apps")
        for p in root.glob(f"{kind}/*/*/__init__.py")
        if "tests" not in p.parts
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of libs/ and apps/ (sources, no tests), with nx.json, and a 1.0.0 snapshot."""
    root = tmp_path_factory.mktemp("workspace")
    ignore = shutil.ignore_patterns("tests", "dist", "__pycache__", ".venv", "*.lock")
    for kind in ("libs", "apps"):
        shutil.copytree(ROOT / kind, root / kind, ignore=ignore)
    shutil.copy(ROOT / "nx.json", root / "nx.json")
    releases = root / "releases"
    assert main(["snapshot", "--version", "1.0.0", "--releases", str(releases)]) == 0
    return root


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in _packages(root))}
    env.pop("WORKFLOW_RELEASES_DIR", None)
    command = [sys.executable, "-m", "workflow_release", "contract", *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bump_major(root: Path) -> None:
    """Every library's version to the next major (its release plan says `major`)."""
    for manifest in root.glob("libs/*/pyproject.toml"):
        text = manifest.read_text(encoding="utf-8")
        current = re.search(r'^version = "(\d+)\.\d+\.\d+"$', text, re.MULTILINE)
        assert current, manifest
        _edit(manifest, current.group(0), f'version = "{int(current.group(1)) + 1}.0.0"')


def test_snapshot_is_deterministic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = render(extract())
    assert first == render(extract())
    assert str(ROOT) not in "".join(first.values())  # no machine-specific path
    assert main(["snapshot", "--version", "1.0.0", "--releases", str(tmp_path)]) == 0
    written = {
        str(p.relative_to(tmp_path / "1.0.0" / "contract")): p.read_text(encoding="utf-8")
        for p in (tmp_path / "1.0.0" / "contract").rglob("*.json")
    }
    assert written == first
    assert main(["snapshot", "--version", "1.0.0", "--releases", str(tmp_path)]) == 2
    assert main(["snapshot", "--version", "1.0.0", "--releases", str(tmp_path), "--force"]) == 0


def test_no_snapshot_yet_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--releases", str(tmp_path)]) == 0
    assert "no release with a contract snapshot yet" in capsys.readouterr().out


def test_current_code_against_its_own_snapshot_has_no_change(scratch: Path) -> None:
    result = _run(scratch, "check", "--root", str(scratch), "--releases", str(scratch / "releases"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 breaking change(s), 0 addition(s) since 1.0.0" in result.stdout


def test_the_copy_shadows_the_installed_libraries(scratch: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in _packages(scratch))}
    probe = "import workflow_contracts, ingestion_worker; print(workflow_contracts.__file__, ingestion_worker.__file__)"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == [
        str(scratch / "libs/contracts/workflow_contracts/__init__.py"),
        str(scratch / "apps/ingestion-worker/ingestion_worker/__init__.py"),
    ]


CONTRACTS = "libs/contracts/workflow_contracts"

BREAKING = {
    "removed result field": (
        f"{CONTRACTS}/_results.py",
        "    changed: bool\n    version: int\n",
        "    changed: bool\n",
        r"^BREAKING activities shared\.update_file_status result: property 'version' removed$",
    ),
    "narrowed argument type": (
        "libs/events/workflow_events/_activity.py",
        "time: datetime | str | None = None",
        "time: datetime | None = None",
        r"^BREAKING activities shared\.send_event argument 3 \(time\): type 'string' removed$",
    ),
    "new required activity argument": (
        "libs/notifications/workflow_notifications/_activity.py",
        "        message: str,\n        attributes",
        "        message: str,\n        priority: int,\n        attributes",
        r"^BREAKING activities shared\.send_notification argument 3 \(attributes\): .*",
    ),
    "new required Nexus input property": (
        f"{CONTRACTS}/nexus.py",
        "    caller: NexusCaller\n    file_id: str\n    status: str\n",
        "    caller: NexusCaller\n    file_id: str\n    status: str\n    reason: str\n",
        r"^BREAKING activities shared\.SharedOperations\.update_file_status input: required property 'reason' added$",
    ),
    "new required argument of a public function": (
        f"{CONTRACTS}/_status.py",
        "    target: FileStatus,\n    graph: TransitionGraph = DEFAULT_TRANSITIONS,",
        "    target: FileStatus,\n    strict: bool,\n    graph: TransitionGraph = DEFAULT_TRANSITIONS,",
        r"^BREAKING python-api workflow_contracts\S*is_transition_allowed.*: Parameter was added as required",
    ),
    "removed error type": (
        f"{CONTRACTS}/errors.py",
        '    EVENT_REJECTED = "EventRejected"\n',
        '    EVENT_REJECTED = "EventRefused"\n',
        r"^BREAKING errors EventRejected: error type removed$",
    ),
    "flipped retryability": (
        f"{CONTRACTS}/errors.py",
        "    error_type = ErrorType.DATABASE_UNAVAILABLE\n    permanent = False\n",
        "    error_type = ErrorType.DATABASE_UNAVAILABLE\n    permanent = True\n",
        r"^BREAKING errors DatabaseUnavailable: non_retryable changed: False -> True$",
    ),
    "removed --json output field": (
        "apps/ingestion-worker/ingestion_worker/cli.py",
        "    id: str\n    path: str\n",
        "    id: str\n",
        r"^BREAKING cli ingestion-worker register --json output: property 'path' removed$",
    ),
}


@pytest.fixture
def copy(scratch: Path, tmp_path: Path) -> Path:
    """A fresh copy of the scratch workspace (its 1.0.0 snapshot included) to change."""
    root = tmp_path / "ws"
    shutil.copytree(scratch, root)
    return root


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_breaking_change_fails_unless_the_major_version_is_raised(copy: Path, case: str) -> None:
    path, old, new, line = BREAKING[case]
    _edit(copy / path, old, new)
    args = ("check", "--root", str(copy), "--releases", str(copy / "releases"))
    result = _run(copy, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(line, result.stdout, re.MULTILINE), result.stdout
    assert "not allowed without a new major version" in result.stdout
    _bump_major(copy)
    result = _run(copy, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(line, result.stdout, re.MULTILINE), result.stdout
    assert "allowed, the major version goes 1 -> 2" in result.stdout


def test_new_optional_result_field_is_an_addition(copy: Path) -> None:
    _edit(
        copy / f"{CONTRACTS}/_results.py",
        "    bus_event_id: str | None = None\n",
        "    bus_event_id: str | None = None\n    bus_name: str | None = None\n",
    )
    result = _run(copy, "check", "--root", str(copy), "--releases", str(copy / "releases"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "ADDED activities shared.send_event result: optional property 'bus_name' added"
        in result.stdout
    )
    assert "BREAKING" not in result.stdout
