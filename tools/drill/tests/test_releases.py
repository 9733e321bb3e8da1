"""Which release a rolling upgrade starts from, and how its projects' wheels are declared."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from workflow_drill.release_env import publishable_pyproject
from workflow_drill.releases import Release, read_releases, select_release

A, B, C = "a" * 40, "b" * 40, "c" * 40


def _releases(*versions: str) -> list[Release]:
    return [Release(v, c) for v, c in zip(versions, (A, B, C), strict=False)]


def test_the_current_version_released_upgrades_from_the_one_before() -> None:
    # After 1.0.0 is cut the apps carry 1.0.0: the drill upgrades 0.1.0 -> current.
    assert select_release(_releases("0.1.0", "1.0.0"), "1.0.0").version == "0.1.0"


def test_a_newer_current_version_upgrades_from_the_newest_release() -> None:
    assert select_release(_releases("0.1.0", "1.0.0"), "1.1.0").version == "1.0.0"
    assert select_release(_releases("0.1.0", "0.10.0", "0.9.0"), "1.0.0").version == "0.10.0"


def test_the_first_release_with_the_code_still_at_its_version_is_the_one() -> None:
    assert select_release(_releases("0.1.0"), "0.1.0") == Release("0.1.0", A)


def test_releases_above_the_current_version_are_never_picked() -> None:
    assert select_release(_releases("0.1.0", "2.0.0"), "1.0.0").version == "0.1.0"
    with pytest.raises(LookupError, match="at or below"):
        select_release(_releases("2.0.0"), "1.0.0")


def test_an_explicit_release_wins_and_an_unknown_one_is_refused() -> None:
    releases = _releases("0.1.0", "1.0.0")
    assert select_release(releases, "1.0.0", wanted="1.0.0").commit == B
    with pytest.raises(LookupError, match=r"no release 0\.2\.0 .*0\.1\.0, 1\.0\.0"):
        select_release(releases, "1.0.0", wanted="0.2.0")
    with pytest.raises(LookupError):
        select_release([], "1.0.0")


def test_the_record_is_read_newest_last_and_checked(tmp_path: Path) -> None:
    for version, commit in (("1.0.0", B), ("0.10.0", C), ("0.9.0", A)):
        (tmp_path / version).mkdir()
        record = {"version": version, "commit": commit, "projects": {}}
        (tmp_path / version / "release.json").write_text(json.dumps(record))
    assert [r.version for r in read_releases(tmp_path)] == ["0.9.0", "0.10.0", "1.0.0"]
    (tmp_path / "0.9.0" / "release.json").write_text(
        json.dumps({"version": "0.9.0", "commit": "x"})
    )
    with pytest.raises(ValueError, match="40 hex"):
        read_releases(tmp_path)


def test_the_workspace_records_0_1_0_at_its_commit() -> None:
    assert Release("0.1.0", "3eac30cd0ae7f2095f26fd4b008b76edf66bf6e7") in read_releases()


PYPROJECT = """\
[tool.poetry]
name = "app"
version = "0.3.0"

[tool.poetry.dependencies]
python = ">=3.11,<4.0"
lib-a = { path = "../a", develop = true }
lib-b = { path = "../b", develop = true, extras = ["app", "x"] }
temporalio = "^1.35.0"

[tool.poetry.group.dev.dependencies]
devstack = { path = "../devstack", develop = true }

[tool.nx.dependencies.lib-a]
range = ">=0.1.0,<1.0"
"""


def test_path_dependencies_become_the_published_requirements() -> None:
    text = publishable_pyproject(PYPROJECT, {"lib-a": "0.1.0", "lib-b": "0.2.0"})
    dependencies = tomllib.loads(text)["tool"]["poetry"]["dependencies"]
    assert dependencies == {
        "python": ">=3.11,<4.0",
        "lib-a": ">=0.1.0,<1.0",  # its declared range
        "lib-b": {"version": "0.2.0", "extras": ["app", "x"]},  # no range: its version
        "temporalio": "^1.35.0",
    }
    # Development groups are not part of a wheel's metadata: left alone.
    assert (
        "path" in tomllib.loads(text)["tool"]["poetry"]["group"]["dev"]["dependencies"]["devstack"]
    )


def test_a_path_dependency_outside_the_workspace_is_refused() -> None:
    with pytest.raises(ValueError, match="lib-b"):
        publishable_pyproject(PYPROJECT, {"lib-a": "0.1.0"})
