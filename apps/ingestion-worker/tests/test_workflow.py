"""IngestFileWorkflow on a real Temporal server, moto's server and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from ingestion_worker import activities
from ingestion_worker.settings import Settings
from ingestion_worker.worker import build_plugin, build_worker, start_ingestion
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import (
    MotoServer,
    PostgresDatabase,
    Route,
    TcpProxy,
    activity_attempts,
    make_route,
)
from workflow_file_status import FileCreate
from workflow_shared_activities import FILE_STATUS, SharedActivitiesPlugin

from tests.outage import OutageAtFirstAttempt

S = FileStatus
OLD_MAX_ATTEMPTS = 5
"""The attempt cap the activity had: a longer outage turned good files FAILED."""


@pytest_asyncio.fixture
async def route(events_client: EventBridgeClient, sqs_client: SQSClient) -> Route:
    return await make_route(events_client, sqs_client, {"source": ["ingestion"]})


@pytest_asyncio.fixture
async def running(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    postgres_database: PostgresDatabase,
    route: Route,
) -> AsyncIterator[tuple[Settings, SharedActivitiesPlugin]]:
    settings = Settings(
        _env_file=None,
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"ingestion-{uuid.uuid4()}",
        worker_versioning=False,  # not about deployment versions (test_versioning is)
        aws_endpoint_url=moto_server.endpoint_url,
        event_bus_name=route.bus_name,
        database_url=postgres_database.sqlalchemy_url,
        migrate=True,
    )
    plugin = build_plugin(settings)
    async with build_worker(temporal_env.client, settings, plugin):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        yield settings, plugin


async def test_good_file_is_completed_with_its_event(
    temporal_env: WorkflowEnvironment,
    running: tuple[Settings, SharedActivitiesPlugin],
    route: Route,
    tmp_path: Path,
) -> None:
    settings, plugin = running
    path = tmp_path / "good.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    file = await plugin.resources[FILE_STATUS].register_file(
        FileCreate(name=path.name, uri=str(path))
    )
    result = await start_ingestion(temporal_env.client, settings, file.id)
    assert result.status is S.COMPLETED and result.facts is not None and result.facts.rows == 2
    history = await plugin.resources[FILE_STATUS].get_history(file.id)
    assert [(h.from_status, h.to_status) for h in history] == [
        (S.PENDING, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
    ]
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "file_ingested_successfully"
    assert event["detail"]["id"] == result.event_id
    assert event["detail"]["data"]["rows"] == 2 and event["detail"]["data"]["file_id"] == str(
        file.id
    )
    assert event["detail"]["data"]["sha256"] == result.facts.sha256


async def test_malformed_file_fails_fast_with_its_event(
    temporal_env: WorkflowEnvironment,
    running: tuple[Settings, SharedActivitiesPlugin],
    route: Route,
    tmp_path: Path,
) -> None:
    settings, plugin = running
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1\n")
    missing = tmp_path / "missing.csv"
    results = {}
    for p in (path, missing):
        file = await plugin.resources[FILE_STATUS].register_file(
            FileCreate(name=p.name, uri=str(p))
        )
        results[p.name] = (file.id, await start_ingestion(temporal_env.client, settings, file.id))
    file_id, bad = results["bad.csv"]
    assert bad.status is S.FAILED and bad.error_type == "MalformedFile"
    assert results["missing.csv"][1].error_type == "FileMissing"
    history = await plugin.resources[FILE_STATUS].get_history(file_id)
    assert [h.to_status for h in history] == [S.PROCESSING, S.FAILED]
    events = await route.receive(expected=2)
    assert sorted(e["detail"]["data"]["error"]["type"] for e in events) == [
        "FileMissing",
        "MalformedFile",
    ]
    assert {e["detail-type"] for e in events} == {"file_ingestion_failed"}
    handle = temporal_env.client.get_workflow_handle(f"ingest-{file_id}")
    ingest_attempts = await activity_attempts(handle)
    assert max(ingest_attempts) == 1  # non-retryable: no second attempt of anything


def test_the_activity_retries_without_an_attempt_cap() -> None:
    policy = activities.INGEST_FILE_RETRY_POLICY
    assert policy.maximum_attempts == 0 and policy.maximum_interval is not None
    assert policy.maximum_interval <= timedelta(seconds=30)
    assert timedelta(seconds=60) >= activities.INGEST_FILE_START_TO_CLOSE


async def test_a_database_outage_longer_than_the_old_budget_delays_the_file_but_never_fails_it(
    temporal_env: WorkflowEnvironment,
    running: tuple[Settings, SharedActivitiesPlugin],
    moto_server: MotoServer,
    postgres_database: PostgresDatabase,
    route: Route,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The production policy, with intervals short enough to run many attempts in seconds
    # (the server spaces retries about a second apart at least).
    fast = dataclasses.replace(
        activities.INGEST_FILE_RETRY_POLICY,
        initial_interval=timedelta(milliseconds=100),
        maximum_interval=timedelta(milliseconds=200),
    )
    monkeypatch.setattr(activities, "INGEST_FILE_RETRY_POLICY", fast)
    _, direct = running
    path = tmp_path / "good.csv"
    path.write_text("a,b\n1,2\n")
    file = await direct.resources[FILE_STATUS].register_file(
        FileCreate(name=path.name, uri=str(path))
    )

    db = urlsplit(postgres_database.dsn)
    proxy = await TcpProxy(db.hostname or "127.0.0.1", db.port or 5432).start()
    # The database is cut when ingest_file first starts (after PROCESSING was recorded) and
    # comes back after an outage that outlasts the old cap's attempts.
    outage = OutageAtFirstAttempt(proxy, activities.INGEST_FILE_ACTIVITY, seconds=5.5)
    config = temporal_env.client.config()
    config["interceptors"] = [outage]
    client = Client(**config)
    settings = Settings(
        _env_file=None,
        temporal_address=temporal_env.client.service_client.config.target_host,
        task_queue=f"ingestion-{uuid.uuid4()}",
        worker_versioning=False,  # not about deployment versions (test_versioning is)
        aws_endpoint_url=moto_server.endpoint_url,
        event_bus_name=route.bus_name,
        database_url=db._replace(
            scheme="postgresql+asyncpg",
            netloc=f"{db.netloc.rpartition('@')[0]}@127.0.0.1:{proxy.port}",
        ).geturl(),
    )
    plugin = build_plugin(settings)
    try:
        async with build_worker(client, settings, plugin):
            result = await asyncio.wait_for(start_ingestion(client, settings, file.id), 60)
    finally:
        if outage.restored is not None:
            await outage.restored
        await proxy.stop()
    assert outage.restored is not None  # the outage did happen
    assert result.status is S.COMPLETED and result.facts is not None and result.facts.rows == 1
    attempts = await activity_attempts(client.get_workflow_handle(f"ingest-{file.id}"))
    assert max(attempts) > OLD_MAX_ATTEMPTS
    history = await direct.resources[FILE_STATUS].get_history(file.id)
    assert [h.to_status for h in history] == [S.PROCESSING, S.COMPLETED]
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "file_ingested_successfully"
