"""A released version's own environment: its wheels, built from its recorded commit, in a venv.

The commit's ``libs/`` and ``apps/`` are exported with ``git archive`` (the user's checkout
is never touched). Every project is built as a wheel the way ``@nxlv/python:build`` publishes
it: a workspace path dependency becomes a version requirement (its ``[tool.nx.dependencies.
<name>] range``, else the dependency's own version). The wheels go into a fresh venv of
Python 3.11 together with their third-party dependencies from the package index, constrained
to the versions the apps' ``poetry.lock`` of that commit pinned (the apps' builds use locked
versions). Everything lives under ``.tools/cache/releases/<version>-<commit12>/``, keyed by
commit: a second run reuses it.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from workflow_drill.releases import WORKSPACE, Release

__all__ = ["CACHE", "ReleaseEnv", "ensure_release_env", "publishable_pyproject"]

CACHE = WORKSPACE / ".tools" / "cache" / "releases"
PYTHON_MINOR = (3, 11)
_MARKER = "build.json"


@dataclass(frozen=True)
class ReleaseEnv:
    """A built environment of one release."""

    release: Release
    root: Path
    build_seconds: float  # when it was built (0.0 never: a reused one keeps its figure)
    reused: bool

    @property
    def venv(self) -> Path:
        """The virtual environment."""
        return self.root / "venv"

    def script(self, name: str) -> Path:
        """A console script of the environment (``ingestion-worker``...)."""
        return self.venv / "bin" / name


def _run(command: list[str], env: dict[str, str] | None = None) -> bytes:
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        shown = " ".join(command)
        raise RuntimeError(f"{shown} failed ({result.returncode}):\n{result.stderr.decode()}")
    return result.stdout


def _export(commit: str, target: Path) -> None:
    """``libs/`` and ``apps/`` of ``commit``, written under ``target``."""
    git = ["git", "-C", str(WORKSPACE)]
    probe = subprocess.run([*git, "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    if probe.returncode != 0:  # a shallow CI clone: fetch just that commit
        _run([*git, "fetch", "--no-tags", "--depth=1", "origin", commit])
    archive = _run([*git, "archive", "--format=tar", commit, "libs", "apps"])
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def publishable_pyproject(text: str, versions: dict[str, str]) -> str:
    """``pyproject.toml`` with each main path dependency turned into a version requirement.

    Args:
        text: The project's ``pyproject.toml``.
        versions: Workspace package name -> its version (the fallback requirement).

    Raises:
        ValueError: A path dependency is left (an unknown workspace package).
    """
    data = tomllib.loads(text)
    ranges = data.get("tool", {}).get("nx", {}).get("dependencies", {})
    dependencies = data["tool"]["poetry"].get("dependencies", {})
    for name, spec in dependencies.items():
        if not (isinstance(spec, dict) and "path" in spec):
            continue
        if name not in versions:
            raise ValueError(f"{name}: a path dependency outside the exported workspace")
        wanted = ranges.get(name, {}).get("range", versions[name])
        extras = ", ".join(f'"{e}"' for e in spec.get("extras", []))
        value = f'{{ version = "{wanted}", extras = [{extras}] }}' if extras else f'"{wanted}"'
        line = re.compile(
            rf"^{re.escape(name)}\s*=\s*\{{[^}}\n]*\bpath\s*=[^}}\n]*\}}[ \t]*$", re.M
        )
        text, count = line.subn(f"{name} = {value}", text, count=1)
        if count != 1:
            raise ValueError(f"{name}: path dependency not written on one line")
    left = tomllib.loads(text)["tool"]["poetry"].get("dependencies", {})
    assert not any(isinstance(s, dict) and "path" in s for s in left.values())
    return text


def _projects(tree: Path) -> dict[Path, tuple[str, str]]:
    """Project dir -> (package name, version) of every library and app in ``tree``."""
    found = {}
    for pyproject in sorted(
        [*tree.glob("libs/*/pyproject.toml"), *tree.glob("apps/*/pyproject.toml")]
    ):
        poetry = tomllib.loads(pyproject.read_text())["tool"]["poetry"]
        found[pyproject.parent] = (str(poetry["name"]), str(poetry["version"]))
    return found


def _constraints(tree: Path) -> str:
    """``name==version`` of every third-party package the apps' lock files pin."""
    pins: dict[str, str] = {}
    for lock in sorted(tree.glob("apps/*/poetry.lock")):
        for package in tomllib.loads(lock.read_text()).get("package", []):
            if package.get("source", {}).get("type") in ("directory", "file", "git", "url"):
                continue  # the workspace's own packages: their wheels are installed by path
            # Both apps share the workspace's resolution; should they ever differ, the newest.
            name, version = str(package["name"]).lower(), str(package["version"])
            pins[name] = max(pins.get(name, version), version, key=_loose)
    return "".join(f"{name}=={version}\n" for name, version in sorted(pins.items()))


def _loose(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:4])


def _python() -> str:
    """A Python 3.11 interpreter (the drill's own when it is one)."""
    if sys.version_info[:2] == PYTHON_MINOR:
        return sys.executable
    found = shutil.which("python{}.{}".format(*PYTHON_MINOR))
    if found is None:
        raise RuntimeError(
            "Python {}.{} is needed for the release environment".format(*PYTHON_MINOR)
        )
    return found


def _pip_env() -> dict[str, str]:
    # The drill's own venv must not leak into pip's or the builds' interpreters.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _build(release: Release, root: Path) -> None:
    tree, wheels, venv = root / "src", root / "wheels", root / "venv"
    _export(release.commit, tree)
    projects = _projects(tree)
    versions = dict(projects.values())
    for directory in projects:
        pyproject = directory / "pyproject.toml"
        pyproject.write_text(publishable_pyproject(pyproject.read_text(), versions))
    (root / "constraints.txt").write_text(_constraints(tree))
    _run([_python(), "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    env = _pip_env()
    # One pip run builds every wheel (PEP 517, poetry-core from the index, as `poetry build`).
    _run(
        [*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), *map(str, projects)],
        env=env,
    )
    built = sorted(wheels.glob("*.whl"))
    if len(built) != len(projects):
        raise RuntimeError(f"built {len(built)} wheel(s) for {len(projects)} project(s)")
    _run(
        [*pip, "install", "--quiet", "-c", str(root / "constraints.txt"), *map(str, built)], env=env
    )
    shutil.rmtree(tree)


def ensure_release_env(release: Release, cache: Path = CACHE) -> ReleaseEnv:
    """The release's environment: reused when a previous run built it, else built now.

    A lock file serialises concurrent drills; a half-built directory (no ``build.json``) is
    removed and built again.
    """
    root = cache / release.key
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{release.key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = root / _MARKER
        if marker.is_file():
            seconds = float(json.loads(marker.read_text())["build_seconds"])
            return ReleaseEnv(release, root, seconds, reused=True)
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        started = time.monotonic()
        try:
            _build(release, root)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        seconds = time.monotonic() - started
        wheels = sorted(p.name for p in (root / "wheels").glob("*.whl"))
        record = {"version": release.version, "commit": release.commit, "build_seconds": seconds}
        marker.write_text(json.dumps(record | {"wheels": wheels}, indent=2) + "\n")
        return ReleaseEnv(release, root, seconds, reused=False)
