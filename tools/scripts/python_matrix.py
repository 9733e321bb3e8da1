"""The Python versions the workspace supports and tests: the list, the interpreters, the envs.

The one list is ``[tool.python-matrix] versions`` in the root ``pyproject.toml``, lowest first
(docs/python-versions.md). What each version runs:

- the lowest: every target (lint, typecheck, test) in the shared ``.venv`` (the bootstrap's);
- the highest: ``test-matrix``, the libraries' tests and the demo's smoke test, in
  ``.venv-<version>``, synced by Poetry from the same ``poetry.lock``;
- every version: the released wheels installed into a fresh venv and a worker run
  (``workflow-release``'s publish test).

An interpreter is found, in this order, at ``$WORKFLOW_PYTHON_3_13`` (for 3.13; when set, only
there), in pyenv's versions (newest patch first), then as ``python3.13`` on ``PATH``; each is
run to check its version and that it can create a virtual environment. Nothing is downloaded.

Commands (standard library only; run with the workspace's python after the bootstrap)::

    python tools/scripts/python_matrix.py status [--json]  # each version: interpreter, role
    python tools/scripts/python_matrix.py prepare          # used by tools/scripts/test.sh
    python tools/scripts/python_matrix.py pytest [ARGS]    # a project's tests on the highest
    python tools/scripts/python_matrix.py summary          # the closing lines of test.sh
    python tools/scripts/python_matrix.py describe         # the interpreters (an Nx input)

``prepare`` exits 0 when every version is there and ``.venv-<highest>`` is in sync; with ``CI``
set, a missing version exits 1 naming it and how to get it; outside CI, a missing highest
version exits 2 (test.sh then leaves ``test-matrix`` out) and the summary says NOT CHECKED.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = "python-matrix"
STAMP = ".matrix-stamp"
PYTEST_TIMEOUT = 900.0
"""Seconds one project's test run may take on a matrix version before it is stopped."""
HANG_DUMP_SECONDS = 300
"""A single test running this long gets its threads' stacks dumped (pytest's faulthandler)."""
EXIT_HIGHEST_MISSING = 2

_VERSION = re.compile(r"^3\.\d+$")
_PROBE = "import sys, venv, ensurepip\nprint('.'.join(map(str, sys.version_info[:3])))"
_PROBE_VERSION_ONLY = "import sys; print('.'.join(map(str, sys.version_info[:3])))"


@dataclass(frozen=True)
class KnownFailure:
    """A test not run on some versions: a reported bug, named in every summary until fixed."""

    project: str
    test: str
    versions: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Matrix:
    """The supported versions (lowest first) and the known failures."""

    versions: tuple[str, ...]
    known_failures: tuple[KnownFailure, ...] = ()

    @property
    def lowest(self) -> str:
        """The default version: the shared ``.venv``."""
        return self.versions[0]

    @property
    def highest(self) -> str:
        """The version whose own environment runs the libraries' tests."""
        return self.versions[-1]

    def roles(self, version: str) -> list[str]:
        """What runs on the version, in words."""
        roles = []
        if version == self.lowest:
            roles.append("every target (lint, typecheck, test) in .venv")
        if version == self.highest and version != self.lowest:
            roles.append(f"the libraries' tests and the demo's smoke test in .venv-{version}")
        roles.append("the released wheels installed and a worker run")
        return roles

    def failures_for(self, project: str, version: str) -> list[KnownFailure]:
        """The known failures of a project (folder relative to the workspace) on a version."""
        return [f for f in self.known_failures if f.project == project and version in f.versions]


def read_matrix(root: Path = ROOT) -> Matrix:
    """Reads ``[tool.python-matrix]`` from the root ``pyproject.toml``.

    Raises:
        ValueError: The table is missing or malformed.
    """
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    table = data.get("tool", {}).get(TABLE)
    if not isinstance(table, dict):
        raise ValueError(f"pyproject.toml: [tool.{TABLE}] is missing")
    versions = table.get("versions")
    if not isinstance(versions, list) or not versions:
        raise ValueError(f"pyproject.toml: [tool.{TABLE}] versions must be a non-empty list")
    for version in versions:
        if not isinstance(version, str) or not _VERSION.match(version):
            raise ValueError(f"pyproject.toml: {version!r} is not a version like '3.13'")
    keys = [_minor(v) for v in versions]
    if keys != sorted(set(keys)):
        raise ValueError("pyproject.toml: the versions must be distinct, lowest first")
    failures = []
    for entry in table.get("known-failures", []):
        try:
            failures.append(
                KnownFailure(
                    project=str(entry["project"]),
                    test=str(entry["test"]),
                    versions=tuple(str(v) for v in entry["versions"]),
                    reason=str(entry["reason"]),
                )
            )
        except (KeyError, TypeError) as err:
            raise ValueError(
                f"pyproject.toml: a known failure needs project, test, versions, reason: {entry}"
            ) from err
    return Matrix(versions=tuple(versions), known_failures=tuple(failures))


def _minor(version: str) -> int:
    return int(version.split(".")[1])


# --- interpreters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interpreter:
    """The interpreter found for a version, or why none was."""

    version: str
    path: Path | None = None
    full_version: str | None = None
    problem: str | None = None
    looked: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        """Whether a usable interpreter was found."""
        return self.path is not None

    @property
    def hint(self) -> str:
        """How to get the version."""
        var = env_var(self.version)
        return (
            f"install it with `pyenv install {self.version}` (or your system's python{self.version}"
            f" and python{self.version}-venv packages), or point {var} at one"
        )

    def describe(self) -> str:
        """One line: where it is, or what is wrong and how to get it."""
        if self.found:
            return f"python{self.version} {self.full_version} at {self.path}"
        looked = ", ".join(self.looked) or "nowhere"
        return f"python{self.version} missing: {self.problem} (looked in {looked}); {self.hint}"


def env_var(version: str) -> str:
    """The variable that names an interpreter for the version (``WORKFLOW_PYTHON_3_13``)."""
    return "WORKFLOW_PYTHON_" + version.replace(".", "_")


def _pyenv_root(environ: Mapping[str, str]) -> Path | None:
    if environ.get("PYENV_ROOT"):
        return Path(environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv", path=environ.get("PATH"))
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=20, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                return Path(done.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if (default / "versions").is_dir() else None


def _candidates(version: str, environ: Mapping[str, str]) -> Iterator[tuple[str, Path]]:
    """Where an interpreter of the version may be: (where, path), best first."""
    explicit = environ.get(env_var(version))
    if explicit:
        yield f"${env_var(version)}", Path(explicit)
        return
    pyenv_root = _pyenv_root(environ)
    if pyenv_root is not None and (pyenv_root / "versions").is_dir():
        pattern = re.compile(rf"^{re.escape(version)}\.(\d+)$")
        found = []
        for entry in (pyenv_root / "versions").iterdir():
            if match := pattern.match(entry.name):
                found.append((int(match.group(1)), entry))
        for _, entry in sorted(found, reverse=True):
            yield "pyenv", entry / "bin" / f"python{version}"
    seen: set[Path] = set()
    for folder in environ.get("PATH", "").split(os.pathsep):
        if not folder:
            continue
        path = Path(folder) / f"python{version}"
        if path in seen or not (path.is_file() and os.access(path, os.X_OK)):
            continue
        seen.add(path)
        yield "PATH", path


def _run_probe(path: Path, code: str, environ: Mapping[str, str]) -> str | None:
    try:
        done = subprocess.run(
            [str(path), "-I", "-c", code],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env=dict(environ),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


_FOUND: dict[str, Interpreter] = {}


def find_interpreter(version: str, environ: Mapping[str, str] | None = None) -> Interpreter:
    """The interpreter of a version (``3.13``) on this machine, checked by running it.

    Args:
        version: ``major.minor``.
        environ: Where to read ``PATH``, ``PYENV_ROOT`` and ``WORKFLOW_PYTHON_*`` (this
            process's environment when None; that answer is kept for the process).
    """
    if environ is None:
        if version not in _FOUND:
            _FOUND[version] = find_interpreter(version, os.environ)
        return _FOUND[version]
    looked: list[str] = []
    problem = "no interpreter found"
    for where, path in _candidates(version, environ):
        if where not in looked:
            looked.append(where)
        full = _run_probe(path, _PROBE, environ)
        if full is not None and full.rsplit(".", 1)[0] == version:
            return Interpreter(version, path=path, full_version=full, looked=tuple(looked))
        if full is None and path.is_file():
            runs = _run_probe(path, _PROBE_VERSION_ONLY, environ)
            if runs is not None and runs.rsplit(".", 1)[0] == version:
                problem = (
                    f"{path} ({runs}) cannot create virtual environments (no venv or ensurepip"
                    f" module; on Debian or Ubuntu: apt-get install python{version}-venv)"
                )
                continue
        if where.startswith("$"):
            problem = (
                f"{path} does not run as Python {version}"
                if path.exists()
                else f"{path} does not exist"
            )
    return Interpreter(version, problem=problem, looked=tuple(looked))


# --- the highest version's environment -----------------------------------------------------------


def env_path(version: str, root: Path = ROOT) -> Path:
    """The environment of a matrix version: ``.venv-<version>`` at the workspace root."""
    return root / f".venv-{version}"


def env_python(version: str, root: Path = ROOT) -> Path:
    """The python of that environment."""
    return env_path(version, root) / "bin" / "python"


def _tracked_pyprojects(root: Path) -> list[Path]:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "ls-files", "*/pyproject.toml"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return [root / line for line in done.stdout.splitlines() if line]
    return sorted(root.glob("*/*/pyproject.toml"))


def env_stamp(interpreter: Interpreter, root: Path = ROOT) -> str:
    """What the environment is built from: the lock, every pyproject, the interpreter, Poetry."""
    digest = hashlib.sha256()
    inputs = [root / "pyproject.toml", root / "poetry.lock", *_tracked_pyprojects(root)]
    inputs.append(root / ".tools" / "poetry" / ".installed")
    for path in inputs:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"-")
    digest.update(f"{interpreter.path}\0{interpreter.full_version}".encode())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One environment build at a time (parallel Nx tasks may all ask for it)."""
    lock = root / ".tools" / "python-matrix.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _log(message: str) -> None:
    print(f"[python-matrix] {message}", file=sys.stderr, flush=True)


def ensure_env(interpreter: Interpreter, root: Path = ROOT) -> Path:
    """Creates or re-syncs ``.venv-<version>`` from ``poetry.lock`` when its inputs changed.

    Poetry (the bootstrap's, with its mirror plugin and settings) syncs the lock into the
    environment exactly as it does ``.venv``; a build whose inputs did not change is skipped.

    Returns:
        The environment's python.

    Raises:
        RuntimeError: The interpreter is missing, or building the environment failed.
    """
    if interpreter.path is None:
        raise RuntimeError(interpreter.describe())
    version = interpreter.version
    venv = env_path(version, root)
    with _locked(root):
        stamp = env_stamp(interpreter, root)
        stamp_file = venv / STAMP
        if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
            return env_python(version, root)
        _log(f"building {venv.name} with {interpreter.describe()}, from poetry.lock")
        started = time.monotonic()
        shutil.rmtree(venv, ignore_errors=True)
        _check(
            [str(interpreter.path), "-m", "venv", str(venv)], root, f"creating {venv.name} failed"
        )
        # Through the bootstrap: the same Poetry, plugins and settings as .venv. Poetry syncs
        # into the active VIRTUAL_ENV; check that it will before letting it install anything.
        bootstrap = root / "tools" / "scripts" / "bootstrap.sh"
        script = (
            'source "$1" >&2 || exit 1; export VIRTUAL_ENV="$2"; '
            'where="$(poetry env info --path)" || exit 1; '
            'if [ "$where" != "$2" ]; then '
            'echo "Poetry would install into $where, not $2" >&2; exit 1; fi; '
            "exec poetry sync --no-interaction"
        )
        _check(
            ["bash", "-c", script, "python-matrix", str(bootstrap), str(venv)],
            root,
            f"poetry sync into {venv.name} failed",
        )
        stamp_file.write_text(stamp + "\n")
        _log(f"{venv.name} is in sync with poetry.lock ({time.monotonic() - started:.0f} s)")
    return env_python(version, root)


def _check(command: Sequence[str], root: Path, message: str) -> None:
    done = subprocess.run(command, cwd=root, stdout=sys.stderr, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{message} (exit {done.returncode})")


# --- commands ------------------------------------------------------------------------------------


def _in_ci(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("CI"))


def _venv_version(root: Path) -> str | None:
    python = root / ".venv" / "bin" / "python"
    full = _run_probe(python, _PROBE_VERSION_ONLY, os.environ) if python.exists() else None
    return full


def status(matrix: Matrix) -> list[dict[str, object]]:
    """Each version: its interpreter (or why it is missing) and what runs on it."""
    rows: list[dict[str, object]] = []
    for version in matrix.versions:
        found = find_interpreter(version)
        rows.append(
            {
                "version": version,
                "python": str(found.path) if found.path else None,
                "full_version": found.full_version,
                "problem": None if found.found else found.describe(),
                "roles": matrix.roles(version),
            }
        )
    return rows


def problems(matrix: Matrix, root: Path = ROOT) -> list[str]:
    """What keeps part of the matrix from being checked on this machine (NOT CHECKED lines)."""
    lines = []
    for version in matrix.versions:
        found = find_interpreter(version)
        if not found.found:
            lines.append(f"NOT CHECKED: {found.describe()}")
    venv = _venv_version(root)
    if venv is not None and venv.rsplit(".", 1)[0] != matrix.lowest:
        lines.append(
            f"NOT CHECKED: the lowest version, {matrix.lowest}, in .venv: it runs Python {venv}"
            f" (set PYTHON=python{matrix.lowest} for the bootstrap, or see .python-version)"
        )
    return lines


def cmd_prepare(matrix: Matrix, root: Path = ROOT) -> int:
    """Checks every interpreter and builds the highest version's environment."""
    missing = problems(matrix, root)
    for line in missing:
        _log(line)
    if missing and _in_ci(os.environ):
        _log("FATAL: CI tests every supported Python version; install the missing ones")
        return 1
    if matrix.highest == matrix.lowest:
        return 0
    highest = find_interpreter(matrix.highest)
    if not highest.found:
        return EXIT_HIGHEST_MISSING
    try:
        ensure_env(highest, root)
    except RuntimeError as err:
        _log(f"FATAL: {err}")
        return 1
    return 0


def cmd_pytest(matrix: Matrix, args: Sequence[str], root: Path = ROOT) -> int:
    """Runs pytest in the current project folder on the highest version."""
    if matrix.highest == matrix.lowest:
        _log("the matrix has one version; the test target covers it")
        return 0
    project = Path.cwd().resolve().relative_to(root).as_posix()
    version = matrix.highest
    interpreter = find_interpreter(version)
    if not interpreter.found:
        _log(f"NOT CHECKED: {interpreter.describe()}")
        return 1
    try:
        python = ensure_env(interpreter, root)
    except RuntimeError as err:
        _log(f"FATAL: {err}")
        return 1
    command = [
        str(python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-o",
        f"faulthandler_timeout={HANG_DUMP_SECONDS}",
    ]
    for failure in matrix.failures_for(project, version):
        _log(f"KNOWN FAILURE on {version}, not run: {failure.test}: {failure.reason}")
        command += ["--deselect", failure.test]
    command += list(args)
    _log(f"{project} on Python {interpreter.full_version} ({python.parent.parent.name})")
    try:
        done = subprocess.run(command, check=False, timeout=PYTEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        _log(f"FATAL: the tests of {project} on {version} ran over {PYTEST_TIMEOUT:.0f} s")
        return 1
    return done.returncode


def cmd_summary(matrix: Matrix, root: Path = ROOT) -> int:
    """The closing lines of the test command: what ran on which version, what did not."""
    print("Python versions (root pyproject.toml [tool.python-matrix]):")
    for version in matrix.versions:
        where = find_interpreter(version).full_version or "missing"
        print(f"  {version} ({where}): " + "; ".join(matrix.roles(version)))
    for failure in matrix.known_failures:
        print(
            f"KNOWN FAILURE on {', '.join(failure.versions)} (not run there):"
            f" {failure.project}/{failure.test}: {failure.reason}"
        )
    for line in problems(matrix, root):
        print(line)
    return 0


def cmd_describe(matrix: Matrix) -> int:
    """The interpreters, one line each (an Nx input: a new patch release reruns the tests)."""
    for version in matrix.versions:
        found = find_interpreter(version)
        print(f"{version} {found.full_version or 'missing'} {found.path or ''}".rstrip())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python_matrix.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status_parser = commands.add_parser("status", help="each version: interpreter and role")
    status_parser.add_argument("--json", action="store_true")
    commands.add_parser("prepare", help="check the interpreters, sync the highest's env")
    pytest_parser = commands.add_parser("pytest", help="this project's tests on the highest")
    pytest_parser.add_argument("args", nargs=argparse.REMAINDER)
    commands.add_parser("summary", help="what ran on which version")
    commands.add_parser("describe", help="the interpreters, one line each")
    args = parser.parse_args(argv)
    matrix = read_matrix()
    if args.command == "status":
        rows = status(matrix)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for row in rows:
                print(f"{row['version']}: {row['problem'] or row['python']}")
        return 0
    if args.command == "prepare":
        return cmd_prepare(matrix)
    if args.command == "pytest":
        return cmd_pytest(matrix, args.args)
    if args.command == "summary":
        return cmd_summary(matrix)
    return cmd_describe(matrix)


if __name__ == "__main__":
    raise SystemExit(main())
