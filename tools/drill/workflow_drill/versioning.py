"""Worker versioning of the current apps, when they have it: a deployment version made current.

The apps gain ``<PREFIX>DEPLOYMENT_NAME``, ``<PREFIX>BUILD_ID`` and ``<PREFIX>WORKER_VERSIONING``
settings and a ``<app> deployment set-current`` command; a versioned worker receives nothing
until its version is current. Before that, both releases' workers are unversioned.
"""

from __future__ import annotations

import importlib
import subprocess

from workflow_drill.fleet import APP_MODULES
from workflow_drill.releases import WORKSPACE, current_version
from workflow_drill.run import app_envs
from workflow_drill.stack import DrillStack

__all__ = ["current_envs", "has_versioning"]

_PREFIX = {"ingestion": "INGESTION_", "evaluation": "EVALUATION_"}


def has_versioning(app: str) -> bool:
    """Whether the current app's settings have worker versioning (deployment name, switch)."""
    fields = importlib.import_module(f"{APP_MODULES[app]}.settings").Settings.model_fields
    return {"deployment_name", "build_id", "worker_versioning"} <= set(fields)


def _build_id() -> str:
    head = subprocess.run(
        ["git", "-C", str(WORKSPACE), "rev-parse", "--short=12", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return f"{current_version()}-{head.stdout.strip() or 'worktree'}"


def current_envs(
    stack: DrillStack, worker_versioning: bool | None
) -> tuple[dict[str, dict[str, str]], bool]:
    """The current apps' worker environments; True when they run as a deployment version."""
    envs = app_envs(stack)
    versioned = True
    for app, env in envs.items():
        prefix = _PREFIX[app]
        if has_versioning(app):
            env[f"{prefix}DEPLOYMENT_NAME"] = f"workflow-drill-{app}"
            env[f"{prefix}BUILD_ID"] = _build_id()
            if worker_versioning is not None:
                env[f"{prefix}WORKER_VERSIONING"] = str(worker_versioning).lower()
        versioned &= has_versioning(app) and worker_versioning is not False
    return envs, versioned
