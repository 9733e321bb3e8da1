"""tools/scripts/python_matrix.py: the version list, finding interpreters, and a missing version.

Interpreters are stand-ins (small scripts answering the probe), so these tests run anywhere;
the release test runs the real ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import python_matrix

from tests.support import WORKSPACE

SCRIPT = WORKSPACE / "tools" / "scripts" / "python_matrix.py"


def _fake_python(folder: Path, name: str, prints: str, *, venv: bool = True) -> Path:
    """A stand-in interpreter: answers the probe with a version (or fails the venv import)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    probe_fails = "" if venv else 'case "$*" in *ensurepip*) exit 1;; esac\n'
    path.write_text(f"#!/bin/sh\n{probe_fails}echo {prints}\n")
    path.chmod(0o755)
    return path


def _environ(tmp_path: Path, *path: Path) -> dict[str, str]:
    return {"PATH": os.pathsep.join(map(str, path)), "PYENV_ROOT": str(tmp_path / "no-pyenv")}


def test_the_list_is_read_lowest_first(tmp_path: Path) -> None:
    matrix = python_matrix.read_matrix(WORKSPACE)
    assert matrix.lowest == matrix.versions[0] and matrix.highest == matrix.versions[-1]
    assert "every target" in " ".join(matrix.roles(matrix.lowest))
    assert f".venv-{matrix.highest}" in " ".join(matrix.roles(matrix.highest))
    for body, error in (
        ("", "is missing"),
        ("[tool.python-matrix]\nversions = []\n", "non-empty list"),
        ('[tool.python-matrix]\nversions = ["3.13", "3.11"]\n', "lowest first"),
        ('[tool.python-matrix]\nversions = ["3.11", "3.11"]\n', "distinct"),
        ('[tool.python-matrix]\nversions = ["3"]\n', "not a version"),
    ):
        (tmp_path / "pyproject.toml").write_text(body)
        with pytest.raises(ValueError, match=error):
            python_matrix.read_matrix(tmp_path)


def test_an_interpreter_is_found_in_pyenv_before_path(tmp_path: Path) -> None:
    pyenv = tmp_path / "pyenv"
    _fake_python(pyenv / "versions" / "3.97.1" / "bin", "python3.97", "3.97.1")
    _fake_python(pyenv / "versions" / "3.97.10" / "bin", "python3.97", "3.97.10")
    on_path = _fake_python(tmp_path / "bin", "python3.97", "3.97.0")
    environ = {"PATH": str(tmp_path / "bin"), "PYENV_ROOT": str(pyenv)}
    found = python_matrix.find_interpreter("3.97", environ)
    assert found.found and found.full_version == "3.97.10"  # the newest patch
    assert found.path == pyenv / "versions" / "3.97.10" / "bin" / "python3.97"
    shutil.rmtree(pyenv / "versions")
    found = python_matrix.find_interpreter("3.97", environ)
    assert (found.path, found.full_version) == (on_path, "3.97.0")


def test_a_variable_names_the_interpreter_and_only_it(tmp_path: Path) -> None:
    chosen = _fake_python(tmp_path / "elsewhere", "python", "3.97.2")
    _fake_python(tmp_path / "bin", "python3.97", "3.97.0")
    environ = _environ(tmp_path, tmp_path / "bin") | {"WORKFLOW_PYTHON_3_97": str(chosen)}
    assert python_matrix.find_interpreter("3.97", environ).path == chosen
    wrong = _fake_python(tmp_path / "elsewhere", "python-wrong", "3.96.0")
    environ["WORKFLOW_PYTHON_3_97"] = str(wrong)
    found = python_matrix.find_interpreter("3.97", environ)
    assert not found.found
    assert f"{wrong} does not run as Python 3.97" in found.describe()


def test_a_missing_version_says_where_it_looked_and_how_to_get_it(tmp_path: Path) -> None:
    _fake_python(tmp_path / "bin", "python3.97", "3.96.0")  # a wrong one on PATH
    found = python_matrix.find_interpreter("3.97", _environ(tmp_path, tmp_path / "bin"))
    assert not found.found
    line = found.describe()
    assert line.startswith("python3.97 missing: no interpreter found (looked in PATH)")
    assert "pyenv install 3.97" in line and "WORKFLOW_PYTHON_3_97" in line


def test_an_interpreter_without_venv_is_named(tmp_path: Path) -> None:
    _fake_python(tmp_path / "bin", "python3.97", "3.97.0", venv=False)
    found = python_matrix.find_interpreter("3.97", _environ(tmp_path, tmp_path / "bin"))
    assert not found.found
    assert "cannot create virtual environments" in found.describe()
    assert "python3.97-venv" in found.describe()


def _scratch_workspace(tmp_path: Path, versions: list[str]) -> Path:
    """A workspace whose list names a version no machine has."""
    root = tmp_path / "ws"
    (root / "tools" / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "tools" / "scripts" / "python_matrix.py")
    listed = ", ".join(f'"{v}"' for v in versions)
    (root / "pyproject.toml").write_text(f"[tool.python-matrix]\nversions = [{listed}]\n")
    return root


def _run(root: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"} | env
    return subprocess.run(
        [sys.executable, str(root / "tools" / "scripts" / "python_matrix.py"), command],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_missing_version_fails_in_ci_and_is_named_elsewhere(tmp_path: Path) -> None:
    lowest = f"{sys.version_info.major}.{sys.version_info.minor}"
    root = _scratch_workspace(tmp_path, [lowest, "3.97"])
    in_ci = _run(root, "prepare", CI="true")
    assert in_ci.returncode == 1
    assert "NOT CHECKED: python3.97 missing" in in_ci.stderr
    assert "pyenv install 3.97" in in_ci.stderr and "FATAL" in in_ci.stderr
    outside = _run(root, "prepare")
    assert outside.returncode == python_matrix.EXIT_HIGHEST_MISSING, outside.stderr
    summary = _run(root, "summary")
    assert summary.returncode == 0
    last = summary.stdout.strip().splitlines()[-1]
    assert last.startswith("NOT CHECKED: python3.97 missing"), summary.stdout
    # The target itself cannot pass without its interpreter.
    project = root / "libs" / "x"
    project.mkdir(parents=True)
    direct = subprocess.run(
        [sys.executable, str(root / "tools" / "scripts" / "python_matrix.py"), "pytest"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert direct.returncode == 1 and "NOT CHECKED: python3.97 missing" in direct.stderr
