"""The release record: every recorded release names a real commit of this repository, and
`record` writes one only on the release commit."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from workflow_release.record import RELEASE_COMMIT_SUBJECT, read_releases, record

from tests.support import WORKSPACE

GIT = ["git", "-c", "user.name=release-test", "-c", "user.email=release-test@localhost"]


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_every_recorded_release_is_a_commit_of_this_repository_with_its_versions() -> None:
    releases = read_releases(WORKSPACE)
    assert releases, "no release recorded under releases/"
    assert str(releases[0].version) == "0.1.0"
    for release in releases:
        assert len(release.commit) == 40
        # The commit travels with the repository (a clone holds it), unlike a tag.
        umbrella = _git(
            WORKSPACE, "show", f"{release.commit}:libs/shared-activities/pyproject.toml"
        )
        assert tomllib.loads(umbrella)["tool"]["poetry"]["version"] == str(release.version)
        assert release.projects["workflow-shared-activities"] == str(release.version)


def _workspace(root: Path, version: str) -> None:
    """A workspace of one library (the umbrella) and one app, in a git repository."""
    for folder, name in (("libs/shared-activities", "workflow-shared-activities"), ("apps/a", "a")):
        (root / folder).mkdir(parents=True)
        (root / folder / "project.json").write_text(json.dumps({"name": name}))
        (root / folder / "pyproject.toml").write_text(
            f'[tool.poetry]\nname = "{name}"\nversion = "{version}"\n'
        )
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")


def test_record_refuses_a_commit_that_is_not_the_release_commit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _workspace(tmp_path, "1.0.0")
    assert record(tmp_path, snapshot=False) == 2
    assert "not the 'chore(release): publish' commit" in capsys.readouterr().err
    assert not (tmp_path / "releases").exists()


def test_record_writes_the_release_commit_and_every_version(tmp_path: Path) -> None:
    _workspace(tmp_path, "1.0.0")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", RELEASE_COMMIT_SUBJECT)
    head = _git(tmp_path, "rev-parse", "HEAD")

    assert record(tmp_path, snapshot=False) == 0

    (release,) = read_releases(tmp_path)
    assert (str(release.version), release.commit) == ("1.0.0", head)
    assert release.projects == {"a": "1.0.0", "workflow-shared-activities": "1.0.0"}
    # A second run does not silently replace the record.
    assert record(tmp_path, snapshot=False) == 2
