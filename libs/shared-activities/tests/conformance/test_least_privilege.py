"""A real worker runs as a role holding only the grants; migrating as such a role fails in one line.

The owner (``postgres``) migrates and grants with ``python -m workflow_file_status.migrate``;
the worker logs in as a throw-away login role (unique name, dropped after the test).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor, Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import UPDATE_FILE_STATUS_ACTIVITY, FileStatus
from workflow_devstack import (
    MotoServer,
    PostgresDatabase,
    PostgresRole,
    activity_attempts,
    create_database,
    create_role,
    drop_database,
    drop_role,
    make_route,
)
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status import migrate as migrate_cli
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin
from workflow_shared_activities.app import ExitCode

from tests.workflows import ProcessWorkflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "hunter2-never-shown"  # trust auth ignores it; it must never be printed


def _configures(variable: str) -> bool:
    return variable == "DATABASE_URL" or variable.startswith("ROLES_")


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        env={k: v for k, v in os.environ.items() if not _configures(k)} | (env or {}),
    )


async def migrate(*argv: str) -> subprocess.CompletedProcess[str]:
    done = await asyncio.to_thread(run, ["-m", "workflow_file_status.migrate", *argv])
    assert done.returncode == 0, done.stderr
    return done


class LoseFirstStatusCompletion(Interceptor):
    """The first attempt of each status change commits, then its completion is lost."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        class Lose(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                info = activity.info()
                if info.activity_type == UPDATE_FILE_STATUS_ACTIVITY and info.attempt == 1:
                    raise RuntimeError("the completion was lost on the way")
                return result

        return Lose(next)


@pytest_asyncio.fixture
async def database() -> AsyncIterator[PostgresDatabase]:
    """An unmigrated database of its own."""
    created = await create_database(prefix="wsa_privilege")
    try:
        yield created
    finally:
        await drop_database(created)


@pytest_asyncio.fixture
async def role(database: PostgresDatabase) -> AsyncIterator[PostgresRole]:
    created = await create_role(prefix="wsa_worker")
    try:
        yield created
    finally:
        await drop_role(created, [database])


async def test_a_worker_with_only_the_grants_runs_every_shared_activity(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    database: PostgresDatabase,
    role: PostgresRole,
) -> None:
    await migrate("upgrade", "--database-url", database.dsn)  # as the owner
    await migrate("grant", role.name, "--database-url", database.dsn)
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(
                database_url=role.sqlalchemy_url(database, password=PASSWORD)
            ),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue = f"privilege-{uuid.uuid4()}"
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        interceptors=[LoseFirstStatusCompletion()],
    )
    async with worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        file = await resources[FILE_STATUS].register_file(FileCreate(name="p.csv", uri="/p.csv"))
        assert (await resources[FILE_STATUS].get_file(file.id)) == file
        handle = await client.start_workflow(
            ProcessWorkflow.run,
            file.id,
            id=f"privilege-{file.id}",
            task_queue=queue,
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        # Bounded: a missing grant would retry the activity every 30 s (operator error).
        receipt = await asyncio.wait_for(handle.result(), 60)
        final = await resources[FILE_STATUS].get_file(file.id)
        history = await resources[FILE_STATUS].get_history(file.id)
    # Both status changes were retried after committing: each retry got its change back.
    assert await activity_attempts(handle) == [2, 2, 1]
    assert final is not None and (final.status, final.version) == (FileStatus.COMPLETED, 3)
    assert [(h.to_status, h.version, h.attempt) for h in history] == [
        (FileStatus.PROCESSING, 2, 1),
        (FileStatus.COMPLETED, 3, 1),
    ]
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id

    # The grants are no wider than that: no DDL, no deleting, no rewriting the audit trail.
    conn = await asyncpg.connect(role.dsn(database))
    try:
        for statement in (
            "CREATE TABLE public.wsa_intruder (x int)",
            "DELETE FROM files",
            "TRUNCATE file_status_history",
            "UPDATE file_status_history SET attempt = 9",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.execute(statement)
    finally:
        await conn.close()


async def test_an_app_migrating_as_a_role_without_rights_exits_4_in_one_line(
    temporal_env: WorkflowEnvironment, database: PostgresDatabase, role: PostgresRole
) -> None:
    env = {
        "ROLES_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "ROLES_TASK_QUEUE": f"roles-{uuid.uuid4()}",
        "ROLES_DATABASE_URL": role.dsn(database, password=PASSWORD),
        "ROLES_MIGRATE": "true",
    }
    done = await asyncio.to_thread(run, ["-m", "tests.conformance.roles_app", "run"], env)
    assert done.returncode == 4, done.stderr[-3000:]
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert PASSWORD not in done.stderr
    # stderr: the JSON log lines (for the log pipeline) and one line for the operator.
    lines = done.stderr.splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    [line] = [line for line in lines if not line.startswith("{")]
    assert line.startswith(
        "roles-worker: error: migrate: permission denied for schema public (SQLSTATE 42501)"
        f' as role "{role.name}": run migrations as the schema owner'
    )
    assert "the worker role needs only the grants of" in line and database.name not in line
    assert [r["message"] for r in records if r["level"] == "ERROR"] == [
        line.removeprefix("roles-worker: error: ")
    ]
    conn = await asyncpg.connect(database.dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass('public.files')") is None  # nothing made
    finally:
        await conn.close()


def test_the_apps_and_the_migrate_command_share_their_exit_codes() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 4, 5]  # added to, never changed
    shared = {
        migrate_cli.ExitCode.OK: ExitCode.OK,
        migrate_cli.ExitCode.USAGE: ExitCode.USAGE,
        migrate_cli.ExitCode.UNAVAILABLE: ExitCode.UNAVAILABLE,
        migrate_cli.ExitCode.PERMISSION_DENIED: ExitCode.PERMISSION_DENIED,
        migrate_cli.ExitCode.FAILED: ExitCode.MIGRATION_FAILED,
    }
    assert all(int(mine) == int(theirs) for mine, theirs in shared.items())
