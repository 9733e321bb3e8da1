"""Through real worker processes behind PgBouncer in transaction mode, as platforms deploy.

Two worker processes, each with a pool of 8, share 3 server connections; 80 files, all at once, move
PENDING -> PROCESSING -> COMPLETED by activity name with plain JSON, as another SDK's workflow
calls them, with no retry allowed. Every change succeeds on attempt 1, the end state is
exact, and neither worker logs a warning or a prepared-statement error. With the pooler's
defaults and no ``pooler=transaction``, the call fails with the operator error naming the fix.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import UPDATE_FILE_STATUS_ACTIVITY, FileStatus
from workflow_devstack import MotoServer, PgBouncer, PostgresDatabase, activity_attempts, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import SharedActivitiesConfig, WorkerResources

from tests.conformance.workflows import RawCallWorkflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FILES = 80
WORKERS = 2
POOL_SIZE = 8  # per worker: 16 client connections for 80 changes at once, on 3 server ones


def worker_config(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    bus_name: str,
    *,
    queue: str,
    database_url: str,
    pool_size: int,
) -> dict[str, Any]:
    """The JSON argument of `tests.conformance.pooled_worker`."""
    return {
        "target": temporal_env.client.service_client.config.target_host,
        "queue": queue,
        "database_url": database_url,
        "bus_name": bus_name,
        "region": moto_server.region,
        "endpoint_url": moto_server.endpoint_url,
        "pool_size": pool_size,
    }


def json_arg(value: Any) -> list[str]:
    return ["json/plain", base64.b64encode(json.dumps(value).encode()).decode()]


@asynccontextmanager
async def worker_processes(
    config: dict[str, Any], count: int, tmp_path: Path
) -> AsyncIterator[list[Path]]:
    """``count`` worker processes, started and ready; yields the paths of their stderr logs."""
    processes: list[asyncio.subprocess.Process] = []
    logs: list[Path] = []
    try:
        for n in range(count):
            log = tmp_path / f"worker-{n}.log"
            logs.append(log)
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.conformance.pooled_worker",
                    json.dumps(config),
                    cwd=PROJECT_ROOT,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=stderr,
                )
            processes.append(process)
        for process, log in zip(processes, logs, strict=True):
            assert process.stdout is not None
            try:
                line = await asyncio.wait_for(process.stdout.readline(), 60)
            except TimeoutError:
                line = b""
            assert line.strip() == b"READY", log.read_text()[-3000:]
        yield logs
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def change_all(
    client: Client, queue: str, files: list[uuid.UUID], target: FileStatus
) -> list[WorkflowHandle[Any, Any]]:
    handles = [
        await client.start_workflow(
            RawCallWorkflow.run,
            # No retry allowed: a change that needs one fails the test.
            args=[UPDATE_FILE_STATUS_ACTIVITY, [json_arg(str(f)), json_arg(target.value)], 1],
            id=f"pooled-{target.value}-{f}",
            task_queue=queue,
        )
        for f in files
    ]
    outcomes = await asyncio.gather(*(h.result() for h in handles))
    failed = [o for o in outcomes if "ok" not in o]
    assert failed == [], failed[:3]
    return handles


async def register(database_url: str, count: int) -> list[uuid.UUID]:
    resources = WorkerResources(
        SharedActivitiesConfig(
            events=EventSettings(bus_name="unused"),
            file_status=FileStatusSettings(database_url=database_url),
        )
    )
    async with resources.open():
        return [
            (
                await resources[FILE_STATUS].register_file(
                    FileCreate(name=f"p{n}.csv", uri=f"/p/{n}")
                )
            ).id
            for n in range(count)
        ]


async def test_two_workers_behind_a_transaction_pooler_change_every_file_on_attempt_one(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
    pgbouncer: PgBouncer,
    tmp_path: Path,
) -> None:
    await asyncio.to_thread(upgrade, postgres_database.dsn)
    route = await make_route(events_client, sqs_client, {"source": ["pooled"]})
    url = pgbouncer.through(postgres_database.sqlalchemy_url) + "?pooler=transaction"
    queue = f"pooled-{uuid.uuid4()}"
    config = worker_config(
        temporal_env,
        moto_server,
        route.bus_name,
        queue=queue,
        database_url=url,
        pool_size=POOL_SIZE,
    )
    files = await register(url, FILES)
    async with worker_processes(config, WORKERS, tmp_path) as logs:
        handles = [
            *await change_all(temporal_env.client, queue, files, FileStatus.PROCESSING),
            *await change_all(temporal_env.client, queue, files, FileStatus.COMPLETED),
        ]
    for handle in handles:
        assert await activity_attempts(handle) == [1]
    conn = await asyncpg.connect(postgres_database.dsn)
    try:
        rows = await conn.fetch("SELECT status, version FROM files WHERE id = ANY($1)", files)
        history = await conn.fetch(
            "SELECT file_id, from_status, to_status, version, attempt FROM file_status_history"
            " WHERE file_id = ANY($1) ORDER BY file_id, version",
            files,
        )
    finally:
        await conn.close()
    assert sorted((r["status"], r["version"]) for r in rows) == [("COMPLETED", 3)] * FILES
    assert len(history) == 2 * FILES
    assert {(h["from_status"], h["to_status"], h["version"], h["attempt"]) for h in history} == {
        ("PENDING", "PROCESSING", 2, 1),
        ("PROCESSING", "COMPLETED", 3, 1),
    }
    text = "\n".join(log.read_text() for log in logs)
    assert "prepared statement" not in text
    warnings = [line for line in text.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert warnings == []
    # Both worker processes took part (the pooler really was shared by two of them).
    identities = set()
    for handle in handles:
        for event in (await handle.fetch_history()).events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                identities.add(event.activity_task_started_event_attributes.identity)
    assert len(identities) == WORKERS, identities


async def test_a_worker_not_told_of_the_pooler_fails_with_the_fix_and_changes_nothing(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
    pgbouncer: PgBouncer,
    tmp_path: Path,
) -> None:
    await asyncio.to_thread(upgrade, postgres_database.dsn)
    route = await make_route(events_client, sqs_client, {"source": ["unpooled"]})
    file = (await register(postgres_database.sqlalchemy_url, 1))[0]
    queue = f"unpooled-{uuid.uuid4()}"
    config = worker_config(
        temporal_env,
        moto_server,
        route.bus_name,
        queue=queue,
        database_url=pgbouncer.through(postgres_database.sqlalchemy_url),
        pool_size=2,
    )
    async with worker_processes(config, 1, tmp_path):
        handle = await temporal_env.client.start_workflow(
            RawCallWorkflow.run,
            args=[UPDATE_FILE_STATUS_ACTIVITY, [json_arg(str(file)), json_arg("PROCESSING")], 1],
            id=f"unpooled-{file}",
            task_queue=queue,
        )
        outcome = await handle.result()
    assert outcome["type"] == "DatabaseAccessDenied", outcome
    assert outcome["non_retryable"] is False
    assert "unsupported startup parameter: statement_timeout" in outcome["message"]
    assert "pooler=transaction" in outcome["message"]
    conn = await asyncpg.connect(postgres_database.dsn)
    try:
        row = await conn.fetchrow("SELECT status, version FROM files WHERE id = $1", file)
    finally:
        await conn.close()
    assert row is not None and (row["status"], row["version"]) == ("PENDING", 1)
