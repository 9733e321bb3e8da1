"""Ingestion events start evaluations: both workers, the consumer, real services."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import evaluation_worker.settings as ev_settings
import ingestion_worker.settings as in_settings
import pytest_asyncio
from evaluation_worker.consumer import IngestionEventConsumer, evaluation_workflow_id
from evaluation_worker.worker import build_plugin as ev_plugin
from evaluation_worker.worker import build_worker as ev_worker
from evaluation_worker.workflows import EvaluateFileWorkflow, EvaluationResult
from ingestion_worker.worker import build_plugin as in_plugin
from ingestion_worker.worker import build_worker as in_worker
from ingestion_worker.worker import start_ingestion
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, PostgresDatabase, Route, make_route
from workflow_shared_activities import FileCreate, FileStatus, SharedActivitiesPlugin

S = FileStatus


class Stack:
    def __init__(
        self,
        ingestion: in_settings.Settings,
        evaluation: ev_settings.Settings,
        plugin: SharedActivitiesPlugin,
        hand_off: Route,
        audit: Route,
    ) -> None:
        self.ingestion, self.evaluation, self.plugin = ingestion, evaluation, plugin
        self.hand_off, self.audit = hand_off, audit


@pytest_asyncio.fixture
async def stack(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
) -> AsyncIterator[Stack]:
    hand_off = await make_route(
        events_client,
        sqs_client,
        {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
    )
    audit = await make_route(
        events_client, sqs_client, {"source": ["evaluation"]}, bus_name=hand_off.bus_name
    )
    common: dict[str, Any] = {
        "_env_file": None,
        "temporal_address": temporal_env.client.service_client.config.target_host,
        "aws_endpoint_url": moto_server.endpoint_url,
        "event_bus_name": hand_off.bus_name,
        "database_url": postgres_database.sqlalchemy_url,
        "migrate": True,
    }
    ingestion = in_settings.Settings(task_queue=f"in-{uuid.uuid4()}", **common)
    evaluation = ev_settings.Settings(
        task_queue=f"ev-{uuid.uuid4()}", queue_url=hand_off.queue_url, **common
    )
    plugin_in = in_plugin(ingestion)
    async with (
        in_worker(temporal_env.client, ingestion, plugin_in),
        ev_worker(temporal_env.client, evaluation, ev_plugin(evaluation)),
    ):
        await asyncio.wait_for(plugin_in.resources.wait_until_open(), 10)
        yield Stack(ingestion, evaluation, plugin_in, hand_off, audit)


async def test_ingestion_event_starts_one_evaluation_and_duplicates_start_none(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient, stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n1,2\n3,\n")
    file = await stack.plugin.resources.register_file(FileCreate(name=path.name, uri=str(path)))
    ingested = await start_ingestion(temporal_env.client, stack.ingestion, file.id)
    assert ingested.status is S.COMPLETED

    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, stack.hand_off.queue_url, stack.evaluation.task_queue
    )
    handled = 0
    for _ in range(10):
        handled += await consumer.poll_once(wait_seconds=1)
        if handled:
            break
    assert handled == 1
    [workflow_id] = consumer.started
    assert workflow_id == evaluation_workflow_id(file.id, ingested.event_id or "")
    result: EvaluationResult = await temporal_env.client.get_workflow_handle(
        workflow_id, result_type=EvaluationResult
    ).result()
    assert result.status is S.COMPLETED and result.report is not None
    assert result.report.duplicate_rows == 1 and result.report.rows == 3
    # The message was deleted after the start.
    assert await consumer.poll_once(wait_seconds=1) == 0

    # The same event delivered again (at-least-once delivery): no second evaluation.
    body = json.dumps({"detail": {"id": ingested.event_id, "data": {"file_id": str(file.id)}}})
    await sqs_client.send_message(QueueUrl=stack.hand_off.queue_url, MessageBody=body)
    await consumer.poll_once(wait_seconds=1)
    assert consumer.duplicates == [workflow_id] and consumer.started == [workflow_id]

    history = await stack.plugin.resources.get_history(file.id)
    assert [(h.from_status, h.to_status) for h in history] == [
        (S.PENDING, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
        (S.COMPLETED, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
    ]
    [event] = await stack.audit.receive(expected=1)
    assert event["detail-type"] == "evaluation_completed"
    assert event["detail"]["data"]["score"] == result.report.score


async def test_poison_message_is_dropped(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient, stack: Stack
) -> None:
    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, stack.hand_off.queue_url, stack.evaluation.task_queue
    )
    assert await consumer.handle("not json") is True
    assert (
        await consumer.handle(json.dumps({"detail": {"id": "e", "data": {"file_id": "nope"}}}))
        is True
    )
    assert consumer.started == []


async def test_evaluation_of_a_non_csv_fails_with_its_event(
    temporal_env: WorkflowEnvironment, stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00")
    file = await stack.plugin.resources.register_file(FileCreate(name=path.name, uri=str(path)))
    assert (
        await start_ingestion(temporal_env.client, stack.ingestion, file.id)
    ).status is S.COMPLETED
    result = await temporal_env.client.execute_workflow(
        EvaluateFileWorkflow.run,
        file.id,
        id=f"ev-{uuid.uuid4()}",
        task_queue=stack.evaluation.task_queue,
    )
    assert result.status is S.FAILED and result.error_type == "NotEvaluable"
    [event] = await stack.audit.receive(expected=1)
    assert event["detail-type"] == "evaluation_failed"
