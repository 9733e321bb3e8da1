"""`serve_health` for a plain `SharedActivitiesPlugin` worker: real Temporal, moto, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from workflow_devstack import MotoServer, PostgresDatabase
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    run_until_signalled,
    serve_health,
)

from tests import workflows
from tests.workflows import TwoStepWorkflow, fast_step, slow_step


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def readyz(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{url}/readyz") as response:
        return response.status, await response.json()


async def wait_for_readiness(
    http: aiohttp.ClientSession,
    url: str,
    expected: Callable[[int, dict[str, Any]], bool],
    seconds: float = 15,
) -> tuple[int, dict[str, Any]]:
    """Polls ``/readyz`` until ``expected(status, body)``; the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        status, body = await readyz(http, url)
        if expected(status, body) or loop.time() > deadline:
            return status, body
        await asyncio.sleep(0.2)


def is_ready(status: int, body: dict[str, Any]) -> bool:
    return status == 200


async def test_the_helper_serves_a_plugin_workers_health_until_it_has_stopped(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    postgres_database: PostgresDatabase,
    http: aiohttp.ClientSession,
) -> None:
    bus = f"health-{uuid.uuid4().hex[:12]}"
    await events_client.create_event_bus(Name=bus)
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=bus),
            file_status=FileStatusSettings(
                database_url=postgres_database.sqlalchemy_url, migrate=True
            ),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        ),
        extra_activities=lambda resources: [slow_step, fast_step],
    )
    task_queue = f"health-{uuid.uuid4()}"
    worker = Worker(
        temporal_env.client,
        task_queue=task_queue,
        workflows=[TwoStepWorkflow],
        plugins=[plugin],
        graceful_shutdown_timeout=timedelta(seconds=20),
    )
    workflows.STARTED.clear()
    workflows.FINISHED.clear()
    stop = asyncio.Event()
    async with serve_health(worker, plugin, port=0, stop=stop) as health:
        url = health.url
        # Before the worker runs: alive, not ready.
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200 and await response.json() == {"status": "ok"}
        status, body = await readyz(http, url)
        assert status == 503 and body["checks"]["worker"] == {
            "status": "fail",
            "reason": "starting",
        }

        serving = asyncio.create_task(run_until_signalled(worker, stop))
        status, body = await wait_for_readiness(http, url, is_ready)
        assert status == 200, body
        assert {name: entry["status"] for name, entry in body["checks"].items()} == {
            "worker": "ok",
            "temporal": "ok",
            "database": "ok",
            "event_bus": "ok",
        }

        # The bus deleted: not ready, the event bus named; back once it exists again.
        await events_client.delete_event_bus(Name=bus)
        status, body = await wait_for_readiness(http, url, lambda s, b: s == 503)
        assert status == 503, body
        assert body["checks"]["event_bus"] == {
            "status": "fail",
            "reason": "ResourceNotFoundException",
            "duration_ms": body["checks"]["event_bus"]["duration_ms"],
        }
        assert body["checks"]["database"]["status"] == "ok"
        await events_client.create_event_bus(Name=bus)
        status, body = await wait_for_readiness(http, url, is_ready)
        assert status == 200, body

        # SIGTERM while an activity runs: readiness off at once, alive until the end.
        handle = await temporal_env.client.start_workflow(
            TwoStepWorkflow.run, 3.0, id=f"health-{uuid.uuid4()}", task_queue=task_queue
        )
        await asyncio.wait_for(workflows.STARTED.wait(), 15)
        os.kill(os.getpid(), signal.SIGTERM)  # the real signal, handled by run_until_signalled
        status, body = await wait_for_readiness(http, url, lambda s, b: s == 503, seconds=2)
        assert status == 503
        assert body["checks"]["worker"] == {"status": "fail", "reason": "shutting down"}
        assert workflows.FINISHED == []  # the graceful shutdown is still waiting for it
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200
        await asyncio.wait_for(serving, 30)
        assert workflows.FINISHED == [1]  # it finished within the graceful shutdown
        status, body = await readyz(http, url)  # still serving until the block ends
        assert status == 503 and body["checks"]["worker"]["reason"] == "shutting down"
    with pytest.raises(aiohttp.ClientConnectionError):
        await readyz(http, url)
    await handle.terminate("test over")


async def test_the_helper_refuses_a_worker_of_another_plugin(
    temporal_env: WorkflowEnvironment,
) -> None:
    plugin = SharedActivitiesPlugin(SharedActivitiesConfig(events=EventSettings(bus_name="b")))
    worker = Worker(temporal_env.client, task_queue="other", activities=[fast_step])
    with pytest.raises(LookupError):
        async with serve_health(worker, plugin):
            pass
