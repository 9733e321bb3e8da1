"""The worker as a Worker Deployment version, on a real Temporal server, as an operator runs it.

The settings come from ``INGESTION_*`` variables; the version is made current with the app's
own ``deployment set-current`` command, in a process of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from ingestion_worker.settings import Settings
from ingestion_worker.worker import APP, start_ingestion_workflow
from ingestion_worker.workflows import IngestionResult
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.common import VersioningBehavior
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import SEND_EVENT_ACTIVITY, FileStatus
from workflow_devstack import MotoServer, make_route
from workflow_file_status import FileCreate
from workflow_file_status.migrate import upgrade
from workflow_shared_activities.app import open_repository, wait_until_polled

APP_VERSION = version("ingestion-worker")


@pytest.fixture
def operator_env(
    temporal_env: WorkflowEnvironment, moto_server: MotoServer, tmp_path: Path
) -> dict[str, str]:
    """The variables an operator exports (no deployment name or build id: the defaults)."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'files.db'}"
    upgrade(database_url)
    return {
        "INGESTION_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "INGESTION_TASK_QUEUE": f"ingestion-{uuid.uuid4()}",
        "INGESTION_AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "INGESTION_EVENT_BUS_NAME": f"bus-{uuid.uuid4().hex[:8]}",
        "INGESTION_DATABASE_URL": database_url,
    }


def _settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return APP.load_settings()


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    serving = asyncio.create_task(APP.serve(settings, stop))
    try:
        yield
    finally:
        stop.set()
        await serving


async def _cli(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Runs ``ingestion-worker deployment ARGS --json`` with ``env``; its JSON output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ingestion_worker",
        "deployment",
        *args,
        "--json",
        # Only ``env``'s settings: none of what this process exported for its own workers.
        env={k: v for k, v in os.environ.items() if not k.startswith("INGESTION_")} | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-3000:]
    document: dict[str, Any] = json.loads(out)
    return document


async def _register(settings: Settings, tmp_path: Path, name: str) -> uuid.UUID:
    path = tmp_path / name
    path.write_text("a,b\n1,2\n")
    async with open_repository(settings) as repository:
        file = await repository.register_file(FileCreate(name=name, uri=str(path)))
    return file.id


async def _event_types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    return [event.event_type async for event in handle.fetch_history_events()]


async def _until(check: Callable[[], Any]) -> None:
    while True:
        if await check():
            return
        await asyncio.sleep(0.2)


async def test_the_version_runs_workflows_once_operator_makes_it_current(
    temporal_env: WorkflowEnvironment,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    operator_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings = _settings(monkeypatch, operator_env)
    assert settings.worker_versioning
    assert (settings.deployment_name, settings.build_id) == ("ingestion-worker", APP_VERSION)
    await make_route(events_client, sqs_client, {}, bus_name=settings.event_bus_name)
    client = temporal_env.client
    file_id = await _register(settings, tmp_path, "good.csv")
    async with _serving(settings):
        handle = await start_ingestion_workflow(client, settings, file_id)
        await wait_until_polled(client, settings)
        # The version polls, but is not current: its workflow task waits for it.
        events = await _event_types(handle)
        assert EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED in events
        assert EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED not in events

        made = await _cli(operator_env, "set-current")
        assert made == {
            "deployment_name": "ingestion-worker",
            "build_id": APP_VERSION,
            "previous_build_id": None,
        }
        result: IngestionResult = await handle.result()
        assert result.status is FileStatus.COMPLETED
        info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
        assert VersioningBehavior(info.behavior) is VersioningBehavior.AUTO_UPGRADE
        assert (info.deployment_version.deployment_name, info.deployment_version.build_id) == (
            "ingestion-worker",
            APP_VERSION,
        )
        shown = await _cli(operator_env, "show")
        assert shown["current_build_id"] == APP_VERSION
        assert [(v["build_id"], v["status"]) for v in shown["versions"]] == [
            (APP_VERSION, "current")
        ]


async def test_a_run_waiting_on_a_retry_moves_to_the_new_current_version(
    temporal_env: WorkflowEnvironment,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    operator_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # A deployment of its own: the session's server is shared with the test above.
    env = operator_env | {"INGESTION_DEPLOYMENT_NAME": f"ingestion-{uuid.uuid4().hex[:8]}"}
    old = _settings(monkeypatch, env)
    new_build = f"{APP_VERSION}-fix1"
    new_env = env | {"INGESTION_BUILD_ID": new_build}
    new = _settings(monkeypatch, new_env)
    assert (old.build_id, new.build_id) == (APP_VERSION, new_build)
    client = temporal_env.client
    file_id = await _register(old, tmp_path, "good.csv")
    async with _serving(old):
        await _cli(env, "set-current")
        # The bus is missing: the run waits on the event's retries, on the old version.
        handle = await start_ingestion_workflow(client, old, file_id)

        async def retrying_on_old() -> bool:
            raw = (await handle.describe()).raw_description
            info = raw.workflow_execution_info.versioning_info
            return info.deployment_version.build_id == APP_VERSION and any(
                a.activity_type.name == SEND_EVENT_ACTIVITY and a.attempt >= 2
                for a in raw.pending_activities
            )

        await asyncio.wait_for(_until(retrying_on_old), 60)
        async with _serving(new):
            made = await _cli(new_env, "set-current")
            assert made["previous_build_id"] == APP_VERSION and made["build_id"] == new_build
            await make_route(events_client, sqs_client, {}, bus_name=old.event_bus_name)
            result: IngestionResult = await handle.result()
    assert result.status is FileStatus.COMPLETED
    info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
    assert VersioningBehavior(info.behavior) is VersioningBehavior.AUTO_UPGRADE
    assert info.deployment_version.build_id == new_build
