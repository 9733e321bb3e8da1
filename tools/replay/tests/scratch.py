"""A scratch copy of ``workflow_contracts`` that shadows the installed one in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import workflow_contracts

PROJECT = Path(__file__).resolve().parents[1]
INSTALLED = Path(workflow_contracts.__file__).parent


def scratch_contracts(site: Path, mutate: Callable[[str], str] | None = None) -> Path:
    """Copies the package into ``site`` and applies ``mutate`` to its ``_calls.py``."""
    target = site / "workflow_contracts"
    shutil.copytree(INSTALLED, target, ignore=shutil.ignore_patterns("__pycache__"))
    if mutate is not None:
        calls = target / "_calls.py"
        before = calls.read_text()
        after = mutate(before)
        assert after != before, "the mutation did not apply"
        calls.write_text(after)
    return site


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with its one occurrence of ``old`` replaced (fails when not exactly one)."""
    assert text.count(old) == 1, f"expected one {old!r}"
    return text.replace(old, new)


def run_module(site: Path, module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` with ``site`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def shadow_line(site: Path) -> str:
    """The gate's first line when it imported the copy in ``site``."""
    return f"workflow_contracts from {site / 'workflow_contracts'}"
