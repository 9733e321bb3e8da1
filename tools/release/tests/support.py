"""Helpers of the release tests: nested Nx runs and file digests."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from workflow_release import find_projects, workspace_root

WORKSPACE = workspace_root()
NX = WORKSPACE / "node_modules" / ".bin" / "nx"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Every library of the workspace (each must be publishable), by folder.
LIBRARIES = {
    str(project.root.relative_to(WORKSPACE)): project.package
    for project in find_projects(WORKSPACE)
    if project.root.parent.name == "libs"
}
# The sample apps, by folder: released (versions, changelogs, tags) but never published.
APPS = {
    str(project.root.relative_to(WORKSPACE)): project.package
    for project in find_projects(WORKSPACE)
    if project.root.parent.name == "apps"
}


def nx_env(**extra: str) -> dict[str, str]:
    """The environment of a nested Nx run: no daemon, no cloud, plain output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NX_TASK")}
    env.update(NX_DAEMON="false", NX_NO_CLOUD="true", NX_TUI="false", FORCE_COLOR="0")
    env.update(extra)
    return env


def run_nx(
    *args: str, cwd: Path = WORKSPACE, env: dict[str, str] | None = None, timeout: float = 300
) -> str:
    """Runs Nx; returns its output without colours, failing with it on a non-zero exit."""
    result = subprocess.run(
        [str(NX), *args],
        cwd=cwd,
        env=env or nx_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, f"nx {' '.join(args)} exited {result.returncode}:\n{output}"
    return output


def digest(paths: list[Path]) -> dict[str, str]:
    """SHA-256 of each existing file (None-like '-' for a missing one)."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "-" for p in paths
    }
