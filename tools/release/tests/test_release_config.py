"""The release set-up: manifests, `nx release --dry-run`, and a real release in a scratch copy."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import python_matrix
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from workflow_release import (
    check_python_support,
    check_release_config,
    check_requirements,
    expected_classifiers,
    find_projects,
    poetry_constraint_to_specifier,
)

from tests.support import APPS, LIBRARIES, WORKSPACE, digest, nx_env, run_nx

# --- the manifests -----------------------------------------------------------------------------


def test_every_library_is_releasable_and_nothing_else_is() -> None:
    assert check_release_config(WORKSPACE) == []
    publishable = {
        str(p.root.relative_to(WORKSPACE)): p.name
        for p in find_projects(WORKSPACE)
        if p.publishable
    }
    assert {"libs/contracts", "libs/shared-activities"} <= set(LIBRARIES)
    assert {k: v for k, v in publishable.items() if k in LIBRARIES} == LIBRARIES
    assert not any(k.startswith(("apps/", "tools/")) for k in publishable)


def test_apps_keep_locked_bundled_builds() -> None:
    for project in find_projects(WORKSPACE):
        if project.root.parent.name != "apps":
            continue
        options = project.config["targets"]["build"]["options"]
        assert options["lockedVersions"] is True and options["bundleLocalDependencies"] is True
        assert (project.root / "poetry.lock").is_file()
        # Released in the `apps` group, never published: its publish target only says so.
        publish = project.config["targets"]["nx-release-publish"]
        assert publish["executor"] == "nx:run-commands", publish


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("^1.35.0", ">=1.35.0,<2"),
        ("^0.0.24", ">=0.0.24,<0.0.25"),
        ("^0.30", ">=0.30,<0.31"),
        ("~1.4", ">=1.4,<1.5"),
        (">=0.30.0,<1", ">=0.30.0,<1"),
    ],
)
def test_poetry_constraints_read_as_pep440(constraint: str, expected: str) -> None:
    assert poetry_constraint_to_specifier(constraint) == SpecifierSet(expected)


def test_a_library_breaking_the_rules_is_reported(tmp_path: Path) -> None:
    shutil.copy(WORKSPACE / "nx.json", tmp_path / "nx.json")
    lib = tmp_path / "libs" / "bad"
    lib.mkdir(parents=True)
    (lib / "project.json").write_text(
        json.dumps({"name": "bad", "tags": [], "targets": {"build": {"options": {}}}})
    )
    (lib / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "bad"\nversion = "0.1.0"\n'
        '[tool.poetry.dependencies]\npython = ">=3.11"\nboto3 = "==1.35.0"\n'
        'types-protobuf = ">=5"\nanything = "*"\n'
    )
    problems = check_release_config(tmp_path)
    assert any("must carry the tag 'publishable'" in p for p in problems)
    # Tagged, the rest of its problems show too.
    (lib / "project.json").write_text(
        json.dumps({"name": "bad", "tags": ["publishable"], "targets": {}})
    )
    reported = "\n".join(check_release_config(tmp_path))
    for expected in (
        "build option lockedVersions must be false",
        "nx-release-publish",
        "boto3: '==1.35.0' pins a version",
        "types-protobuf: a stub package",
        "anything: no version range",
    ):
        assert expected in reported


def test_wheel_requirements_rules() -> None:
    requirements = [
        Requirement("temporalio>=1.35,<2"),
        Requirement("workflow-contracts>=0.1.0,<1.0"),
        Requirement("protobuf==5.29.0"),
        Requirement("types-protobuf>=5"),
        Requirement("workflow-events"),
    ]
    problems = check_requirements(requirements, {"workflow-contracts", "workflow-events"})
    assert problems == [
        "protobuf==5.29.0: pinned with ==",
        "types-protobuf>=5: a stub package in the run-time requirements",
        "workflow-events: no version range",
    ]


# --- the supported Python versions -------------------------------------------------------------


def test_classifiers_ranges_and_settings_agree_with_the_tested_versions() -> None:
    matrix = python_matrix.read_matrix(WORKSPACE)
    assert matrix.versions[0] == "3.11" and len(matrix.versions) >= 2
    assert check_python_support(WORKSPACE, matrix.versions) == []
    # Every library and app declares them; the known failures name real projects.
    declaring = [p for p in find_projects(WORKSPACE) if p.root.parent.name in ("libs", "apps")]
    assert {str(p.root.relative_to(WORKSPACE)) for p in declaring} >= set(LIBRARIES)
    for failure in matrix.known_failures:
        assert (WORKSPACE / failure.project / "project.json").is_file(), failure
        assert set(failure.versions) <= set(matrix.versions), failure


def _declaring_project(root: Path, folder: str, head: str, python: str) -> None:
    where = root / folder
    where.mkdir(parents=True)
    (where / "project.json").write_text(json.dumps({"name": where.name, "tags": []}))
    (where / "pyproject.toml").write_text(
        f'{head}[tool.poetry]\nname = "{where.name}"\nversion = "0.1.0"\n'
        f'[tool.poetry.dependencies]\npython = "{python}"\n'
    )


def test_a_project_disagreeing_with_the_tested_versions_is_reported(tmp_path: Path) -> None:
    versions = ["3.11", "3.12", "3.13"]
    for name in ("nx.json", ".python-version", "pyproject.toml"):
        shutil.copy(WORKSPACE / name, tmp_path / name)
    good = "\n".join(f'"{c}",' for c in expected_classifiers(versions))
    dynamic = 'dynamic = ["version", "dependencies", "requires-python"]\n'
    _declaring_project(
        tmp_path,
        "libs/good",
        f'[project]\nname = "good"\n{dynamic}classifiers = [{good}]\n',
        ">=3.11,<4.0",
    )
    _declaring_project(tmp_path, "libs/no-table", "", ">=3.11,<4.0")
    untested = good.replace('"Programming Language :: Python :: 3.13",', "") + (
        '"Programming Language :: Python :: 3.14",'
    )
    _declaring_project(
        tmp_path,
        "apps/untested",
        f'[project]\nname = "untested"\n{dynamic}classifiers = [{untested}]\n',
        ">=3.11,<4.0",
    )
    _declaring_project(tmp_path, "tools/too-low", "", ">=3.10,<4.0")
    _declaring_project(tmp_path, "tools/too-high", "", ">=3.11,<3.13")
    (tmp_path / ".python-version").write_text("3.12\n")
    reported = "\n".join(check_python_support(tmp_path, versions))
    assert "libs/good" not in reported
    for expected in (
        "libs/no-table/pyproject.toml: [project] with static classifiers is missing",
        "apps/untested/pyproject.toml: Python classifiers differ from the tested versions"
        " ['3.11', '3.12', '3.13']: missing ['Programming Language :: Python :: 3.13'],"
        " not tested ['Programming Language :: Python :: 3.14']",
        "tools/too-low/pyproject.toml: python '>=3.10,<4.0' allows versions below 3.11",
        "tools/too-high/pyproject.toml: python '>=3.11,<3.13' excludes 3.13, a tested version",
        ".python-version: '3.12', not the lowest tested version 3.11",
    ):
        assert expected in reported, reported
    # Tools need no classifiers.
    assert "tools/too-low/pyproject.toml: [project]" not in reported


# --- nx release ----------------------------------------------------------------------------------


def _release_files(root: Path) -> list[Path]:
    files = [root / "poetry.lock", root / "nx.json"]
    for folder in LIBRARIES:
        for name in ("pyproject.toml", "poetry.lock", "CHANGELOG.md"):
            files.append(root / folder / name)
    return files


def test_nx_release_dry_run_works_without_a_remote_and_changes_nothing() -> None:
    before = digest(_release_files(WORKSPACE))
    output = run_nx("release", "--dry-run", "--verbose")
    for folder, name in LIBRARIES.items():
        assert f"{name} 📄 Resolved the current version as" in output
        assert f"from manifest: {folder}/pyproject.toml" in output
    assert "Skipped publishing packages." in output
    assert 'The "dryRun" flag means no changes were made.' in output
    assert digest(_release_files(WORKSPACE)) == before


def _scratch_copy(target: Path) -> None:
    """The workspace's files (tracked and new, not ignored) in a git repository of its own."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=WORKSPACE,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        relative = raw.decode()
        source = WORKSPACE / relative
        if not source.is_file():
            continue  # deleted in the work tree
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    (target / "node_modules").symlink_to(WORKSPACE / "node_modules")
    git = ["git", "-c", "user.name=release-test", "-c", "user.email=release-test@localhost"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *command], cwd=target, check=True)


def _version(root: Path, folder: str) -> str:
    data = tomllib.loads((root / folder / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["tool"]["poetry"]["version"])


def _range(root: Path, folder: str, dependency: str) -> str:
    data = tomllib.loads((root / folder / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["tool"]["nx"]["dependencies"][dependency]["range"])


def test_a_planned_release_bumps_dependents_writes_changelogs_and_tags(tmp_path: Path) -> None:
    """A real `nx release` (no publish) in a scratch copy: what a release commit holds."""
    scratch = tmp_path / "ws"
    _scratch_copy(scratch)
    plans = scratch / ".nx" / "version-plans"
    shutil.rmtree(plans, ignore_errors=True)  # the plans pending on the branch: only ours here
    plans.mkdir(parents=True)
    (plans / "contracts-field.md").write_text(
        "---\nworkflow-contracts: minor\n---\n\nA new optional field in the contracts.\n"
    )
    before = {folder: _version(scratch, folder) for folder in [*LIBRARIES, *APPS]}
    ceiling = _range(scratch, "libs/events", "workflow-contracts").split(",")[1]
    identity = {"GIT_AUTHOR_NAME": "release-test", "GIT_AUTHOR_EMAIL": "release-test@localhost"}
    identity |= {
        "GIT_COMMITTER_NAME": "release-test",
        "GIT_COMMITTER_EMAIL": "release-test@localhost",
    }
    output = run_nx("release", "--skip-publish", cwd=scratch, env=nx_env(**identity), timeout=400)

    after = {folder: _version(scratch, folder) for folder in [*LIBRARIES, *APPS]}
    # contracts, every library depending on it, and the apps (their own release group)
    assert all(after[f] != before[f] for f in [*LIBRARIES, *APPS]), output
    contracts = after["libs/contracts"]
    for folder in ("libs/events", "libs/file-status", "libs/shared-activities"):
        assert _range(scratch, folder, "workflow-contracts") == f">={contracts},{ceiling}"
    assert _range(scratch, "libs/shared-activities", "workflow-events") == (
        f">={after['libs/events']},{ceiling}"
    )
    changelog = (scratch / "libs/contracts/CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {contracts}" in changelog and "A new optional field in the contracts." in changelog
    umbrella = (scratch / "libs/shared-activities/CHANGELOG.md").read_text(encoding="utf-8")
    assert f"Updated workflow-contracts to {contracts}" in umbrella
    assert not (plans / "contracts-field.md").exists()
    tags = subprocess.run(
        ["git", "tag"], cwd=scratch, capture_output=True, text=True, check=True
    ).stdout.split()
    released = {**LIBRARIES, **APPS}
    assert sorted(tags) == sorted(f"{name}@{after[f]}" for f, name in released.items())
    committed = subprocess.run(
        ["git", "show", "--name-only", "--format=%s", "HEAD"],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for folder in [*LIBRARIES, *APPS]:
        assert f"{folder}/pyproject.toml" in committed and f"{folder}/CHANGELOG.md" in committed
    assert "poetry.lock" in committed  # the root lock follows the new versions
    root_lock = (scratch / "poetry.lock").read_text(encoding="utf-8")
    assert f'name = "workflow-contracts"\nversion = "{contracts}"' in root_lock
