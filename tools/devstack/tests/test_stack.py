"""The dev stack starts the real components and cleans up after itself."""

import os

import asyncpg
import boto3
import pytest
from temporalio.testing import WorkflowEnvironment
from workflow_devstack import (
    MotoServer,
    PostgresDatabase,
    create_database,
    create_role,
    drop_database,
    drop_role,
    free_port,
    temporal_cli_path,
    temporal_test_server_path,
)


def test_binaries_come_from_the_installed_packages() -> None:
    for path in (temporal_cli_path(), temporal_test_server_path()):
        assert os.access(path, os.X_OK)
        assert "/.venv/" in path or "site-packages" in path or path.endswith(os.path.basename(path))


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


async def test_temporal_dev_server_answers(temporal_env: WorkflowEnvironment) -> None:
    assert temporal_env.client.service_client.config.target_host.startswith("127.0.0.1:")
    info = await temporal_env.client.service_client.workflow_service.get_system_info(
        __import__("temporalio.api.workflowservice.v1", fromlist=["x"]).GetSystemInfoRequest()
    )
    assert info.server_version


def test_moto_server_emulates_eventbridge_over_http(moto_server: MotoServer) -> None:
    client = boto3.client(
        "events", endpoint_url=moto_server.endpoint_url, region_name=moto_server.region
    )
    client.create_event_bus(Name="devstack-test")
    names = [bus["Name"] for bus in client.list_event_buses()["EventBuses"]]
    assert "devstack-test" in names
    moto_server.reset()
    names = [bus["Name"] for bus in client.list_event_buses()["EventBuses"]]
    assert "devstack-test" not in names


async def test_postgres_database_is_fresh_and_usable(postgres_database: PostgresDatabase) -> None:
    conn = await asyncpg.connect(postgres_database.dsn)
    try:
        assert await conn.fetchval("select current_database()") == postgres_database.name
        assert (
            await conn.fetchval("select count(*) from pg_tables where schemaname = 'public'") == 0
        )
    finally:
        await conn.close()
    assert postgres_database.sqlalchemy_url.startswith("postgresql+asyncpg://")


async def test_create_and_drop_database(postgres_database: PostgresDatabase) -> None:
    extra = await create_database(prefix="wsa_devstack")
    conn = await asyncpg.connect(extra.dsn)
    await conn.close()
    await drop_database(extra)
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(extra.dsn)


async def test_throw_away_role_logs_in_without_privileges_and_is_dropped(
    postgres_database: PostgresDatabase,
) -> None:
    role = await create_role(prefix='wsa devstack "q"')  # quoted wherever it is used
    try:
        conn = await asyncpg.connect(role.dsn(postgres_database, password="ignored"))
        try:
            assert await conn.fetchval("select current_user") == role.name
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("create table t (x int)")
        finally:
            await conn.close()
        admin = await asyncpg.connect(postgres_database.dsn)
        try:
            await admin.execute("create table granted (x int)")
            quoted = '"' + role.name.replace('"', '""') + '"'
            await admin.execute(f"grant select on granted to {quoted}")
        finally:
            await admin.close()
        assert role.sqlalchemy_url(postgres_database).startswith("postgresql+asyncpg://")
    finally:
        await drop_role(role, [postgres_database])  # revokes the grant first
    admin = await asyncpg.connect(postgres_database.dsn)
    try:
        assert not await admin.fetchval(
            "select count(*) from pg_roles where rolname = $1", role.name
        )
        await admin.execute("drop table granted")
    finally:
        await admin.close()


async def test_time_skipping_server_skips_a_long_timer() -> None:
    import time
    import uuid

    from temporalio.worker import Worker
    from workflow_devstack import start_time_skipping_server

    from tests.timer_workflow import SleepyWorkflow

    env = await start_time_skipping_server()
    try:
        started = time.monotonic()
        async with Worker(env.client, task_queue="skip", workflows=[SleepyWorkflow]):
            result = await env.client.execute_workflow(
                SleepyWorkflow.run, id=f"sleepy-{uuid.uuid4()}", task_queue="skip"
            )
        assert result == "woke up"
        assert time.monotonic() - started < 60  # the workflow slept a simulated day
    finally:
        await env.shutdown()
