"""The health endpoints of a real ``ingestion-worker run`` process.

Real Temporal dev server, moto in server mode and PostgreSQL; the database is reached through
a TCP proxy the test cuts (the machine's PostgreSQL is shared and keeps running).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest_asyncio
from ingestion_worker.settings import Settings
from ingestion_worker.worker import start_ingestion_workflow
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from workflow_devstack import MotoServer, PostgresDatabase, TcpProxy
from workflow_file_status import FileCreate
from workflow_shared_activities.app import open_repository

from tests.worker_process import get_json, poll_readiness, worker_process

PASSWORD = "hunter2"  # trust auth ignores it; it must show nowhere


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


@pytest_asyncio.fixture
async def bus(events_client: EventBridgeClient) -> AsyncIterator[str]:
    name = f"health-{uuid.uuid4().hex[:12]}"
    await events_client.create_event_bus(Name=name)
    yield name
    with contextlib.suppress(Exception):  # the test may have deleted it
        await events_client.delete_event_bus(Name=name)


def database_url(database: PostgresDatabase, port: int | None = None) -> str:
    """The test database's URL with a password, on ``port`` (a proxy) or the server's own."""
    parts = urlsplit(database.dsn)
    user = parts.username or "postgres"
    return (
        f"postgresql+asyncpg://{user}:{PASSWORD}@127.0.0.1:{port or parts.port or 5432}"
        f"/{database.name}"
    )


def worker_env(
    temporal_env: WorkflowEnvironment, moto_server: MotoServer, bus: str, url: str
) -> dict[str, str]:
    env = {k: "" for k in os.environ if k.startswith("INGESTION_")}
    return env | {
        "INGESTION_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "INGESTION_TASK_QUEUE": f"ingestion-{uuid.uuid4()}",
        "INGESTION_AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "INGESTION_EVENT_BUS_NAME": bus,
        "INGESTION_DATABASE_URL": url,
        "INGESTION_MIGRATE": "true",
        "INGESTION_HEALTH_PORT": "0",
        "INGESTION_WORKER_VERSIONING": "false",  # not about versions (test_versioning is)
        "INGESTION_HEALTH_CHECK_TIMEOUT_SECONDS": "1",
    }


def statuses(body: dict[str, Any]) -> dict[str, str]:
    return {name: entry["status"] for name, entry in body["checks"].items()}


def failing(name: str) -> Any:
    return lambda status, body: status == 503 and body["checks"][name]["status"] == "fail"


def ready(status: int, body: dict[str, Any]) -> bool:
    return status == 200


async def test_readiness_follows_the_database_and_the_bus(
    tmp_path: Path,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    postgres_database: PostgresDatabase,
    bus: str,
    http: aiohttp.ClientSession,
) -> None:
    server = urlsplit(postgres_database.dsn)
    proxy = await TcpProxy(server.hostname or "127.0.0.1", server.port or 5432).start()
    env = worker_env(temporal_env, moto_server, bus, database_url(postgres_database, proxy.port))
    bodies: list[dict[str, Any]] = []
    try:
        async with worker_process("ingestion_worker", env, tmp_path) as worker:
            url = await worker.health_url()  # port 0: the chosen port is logged
            assert await get_json(http, f"{url}/healthz") == (200, {"status": "ok"})
            status, body = await poll_readiness(http, url, ready)
            assert status == 200, body
            assert statuses(body) == dict.fromkeys(
                ("worker", "temporal", "database", "event_bus"), "ok"
            )

            await proxy.stop()  # the database unreachable
            status, body = await poll_readiness(http, url, failing("database"))
            bodies.append(body)
            assert status == 503, body
            assert statuses(body) == {
                "worker": "ok",
                "temporal": "ok",
                "database": "fail",
                "event_bus": "ok",
            }
            assert body["checks"]["database"]["reason"]  # a class name, e.g. ConnectionRefusedError
            await proxy.start()
            status, body = await poll_readiness(http, url, ready)
            assert status == 200, body

            await events_client.delete_event_bus(Name=bus)
            status, body = await poll_readiness(http, url, failing("event_bus"))
            bodies.append(body)
            assert status == 503, body
            assert body["checks"]["event_bus"]["reason"] == "ResourceNotFoundException"
            assert body["checks"]["database"]["status"] == "ok"
            await events_client.create_event_bus(Name=bus)
            status, body = await poll_readiness(http, url, ready)
            assert status == 200, body

            worker.process.send_signal(signal.SIGTERM)
            assert await worker.wait(30) == 0, worker.output()[-4000:]
    finally:
        await proxy.stop()
    output = worker.output()
    assert PASSWORD not in output and PASSWORD not in str(bodies)
    starting = next(m for m in worker.messages() if m.startswith("ingestion-worker starting"))
    assert "health=127.0.0.1:0" in starting and "health_check_timeout_seconds=1.0" in starting
    reason = bodies[0]["checks"]["database"]["reason"]
    assert f"readiness check database failing: {reason}" in worker.messages()
    assert "readiness check database ok again" in worker.messages()
    assert "readiness check event_bus failing: ResourceNotFoundException" in worker.messages()


async def test_sigterm_turns_readiness_off_while_the_running_activity_finishes(
    tmp_path: Path,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    postgres_database: PostgresDatabase,
    bus: str,
    http: aiohttp.ClientSession,
) -> None:
    env = worker_env(temporal_env, moto_server, bus, database_url(postgres_database))
    env["INGESTION_GRACEFUL_SHUTDOWN_SECONDS"] = "60"
    settings = Settings(
        _env_file=None,
        task_queue=env["INGESTION_TASK_QUEUE"],
        database_url=env["INGESTION_DATABASE_URL"],
        migrate=True,
    )
    # The file is a FIFO: the activity's read blocks until the test writes to it.
    fifo = tmp_path / "slow.csv"
    os.mkfifo(fifo)
    async with open_repository(settings) as repository:
        file = await repository.register_file(FileCreate(name=fifo.name, uri=str(fifo)))

    async with worker_process("ingestion_worker", env, tmp_path) as worker:
        url = await worker.health_url()
        assert (await poll_readiness(http, url, ready))[0] == 200
        handle = await start_ingestion_workflow(temporal_env.client, settings, file.id)
        try:
            await worker.wait_for_log(lambda r: str(r.get("message", "")).startswith("ingesting"))

            worker.process.send_signal(signal.SIGTERM)
            status, body = await poll_readiness(http, url, lambda s, b: s == 503, seconds=5)
            assert status == 503
            assert body["checks"]["worker"] == {"status": "fail", "reason": "shutting down"}
            await asyncio.sleep(1)  # the graceful shutdown waits for the activity meanwhile
            assert worker.process.returncode is None
            assert (await get_json(http, f"{url}/healthz"))[0] == 200
            status, body = await get_json(http, f"{url}/readyz")
            assert status == 503 and body["checks"]["worker"]["reason"] == "shutting down"

            await asyncio.to_thread(fifo.write_text, "a,b\n1,2\n")  # the activity can finish
            assert await worker.wait(30) == 0, worker.output()[-4000:]
            history = await handle.fetch_history()
            completed = [
                e
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            ]
            assert len(completed) == 2  # PROCESSING, then the read finished during the shutdown
        finally:
            await handle.terminate("test over")
    messages = worker.messages()
    off = messages.index("readiness off: shutting down")
    assert off < messages.index("stop requested: shutting down gracefully")
    assert messages.index("health endpoints closed") > messages.index("shared activities closed")
