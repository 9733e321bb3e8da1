"""Ingestion events start evaluations: both workers, the consumer, real services."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import evaluation_worker.settings as ev_settings
import ingestion_worker.settings as in_settings
import pytest
import pytest_asyncio
from evaluation_worker.activities import EVALUATE_FILE_ACTIVITY, EVALUATE_FILE_START_TO_CLOSE
from evaluation_worker.consumer import (
    IngestionEventConsumer,
    MessageOutcome,
    Outcome,
    evaluation_workflow_id,
)
from evaluation_worker.worker import build_plugin as ev_plugin
from evaluation_worker.worker import build_worker as ev_worker
from evaluation_worker.workflows import EvaluateFileWorkflow, EvaluationResult
from ingestion_worker.worker import build_plugin as in_plugin
from ingestion_worker.worker import build_worker as in_worker
from ingestion_worker.worker import start_ingestion
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, PostgresDatabase, Route, activity_attempts, make_route
from workflow_events.consumer import make_event
from workflow_file_status import FileCreate
from workflow_shared_activities import FILE_STATUS, SharedActivitiesPlugin

from tests.messages import ingestion_event

S = FileStatus


def ingested_body(file_id: object) -> str:
    """A complete ``file_ingested_successfully`` event as the bus delivers it (the kit's)."""
    data = {"file_id": str(file_id), "kind": "csv", "size": 8, "sha256": "0" * 64, "rows": 1}
    return json.dumps(make_event("ingestion", "file_ingested_successfully", data))


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
        "worker_versioning": False,  # not about deployment versions (ingestion's test_versioning)
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
    file = await stack.plugin.resources[FILE_STATUS].register_file(
        FileCreate(name=path.name, uri=str(path))
    )
    ingested = await start_ingestion(temporal_env.client, stack.ingestion, file.id)
    assert ingested.status is S.COMPLETED

    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, stack.hand_off.queue_url, stack.evaluation.task_queue
    )
    outcomes: list[MessageOutcome] = []
    for _ in range(10):
        outcomes += (await consumer.poll_once(wait_seconds=1)).outcomes
        if outcomes:
            break
    [started] = outcomes
    assert started.outcome is Outcome.STARTED
    workflow_id = started.workflow_id
    assert workflow_id == evaluation_workflow_id(file.id, ingested.event_id or "")
    result: EvaluationResult = await temporal_env.client.get_workflow_handle(
        workflow_id, result_type=EvaluationResult
    ).result()
    assert result.status is S.COMPLETED and result.report is not None
    assert result.report.duplicate_rows == 1 and result.report.rows == 3
    # The message was deleted after the start.
    assert (await consumer.poll_once(wait_seconds=1)).received == 0

    # The same event delivered again (at-least-once delivery): no second evaluation.
    facts = ingested.facts
    assert facts is not None
    data = {"kind": facts.kind, "size": facts.size, "sha256": facts.sha256, "rows": facts.rows}
    again = make_event(
        "ingestion",
        "file_ingested_successfully",
        {"file_id": str(file.id), **data},
        event_id=ingested.event_id,
    )
    await sqs_client.send_message(QueueUrl=stack.hand_off.queue_url, MessageBody=json.dumps(again))
    report = await consumer.poll_once(wait_seconds=1)
    assert [(o.outcome, o.workflow_id) for o in report.outcomes] == [
        (Outcome.DUPLICATE, workflow_id)
    ]
    assert consumer.totals == {Outcome.STARTED: 1, Outcome.DUPLICATE: 1}
    assert await stack.hand_off.depth() == 0

    history = await stack.plugin.resources[FILE_STATUS].get_history(file.id)
    assert [(h.from_status, h.to_status) for h in history] == [
        (S.PENDING, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
        (S.COMPLETED, S.PROCESSING),
        (S.PROCESSING, S.COMPLETED),
    ]
    [event] = await stack.audit.receive(expected=1)
    assert event["detail-type"] == "evaluation_completed"
    assert event["detail"]["data"]["score"] == result.report.score


async def test_a_batch_settles_each_message_on_its_own(
    temporal_env: WorkflowEnvironment,
    sqs_client: SQSClient,
    stack: Stack,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="evaluation_worker.consumer")
    files = []
    for i in range(2):
        path = tmp_path / f"good-{i}.csv"
        path.write_text("a,b\n1,2\n")
        files.append(
            await stack.plugin.resources[FILE_STATUS].register_file(
                FileCreate(name=path.name, uri=str(path))
            )
        )
    bodies = {
        "poison": "not json {" + "x" * 5000,
        "other": ingestion_event(files[0].id, detail_type="file_ingestion_failed"),
        "good-0": ingested_body(files[0].id),
        "good-1": ingested_body(files[1].id),
    }
    names = {}
    for name, body in bodies.items():
        sent = await sqs_client.send_message(QueueUrl=stack.hand_off.queue_url, MessageBody=body)
        names[sent["MessageId"]] = name
    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, stack.hand_off.queue_url, stack.evaluation.task_queue
    )

    first: dict[str, MessageOutcome] = {}
    for _ in range(5):
        for o in (await consumer.poll_once(wait_seconds=1)).outcomes:
            first.setdefault(names[o.message_id], o)
        if len(first) == len(bodies):
            break
    assert {name: o.outcome for name, o in first.items()} == {
        "poison": Outcome.DEAD_LETTER,
        "other": Outcome.IGNORED,
        "good-0": Outcome.STARTED,
        "good-1": Outcome.STARTED,
    }
    for name in ("good-0", "good-1"):
        result = await temporal_env.client.get_workflow_handle(
            first[name].workflow_id or "", result_type=EvaluationResult
        ).result()
        assert result.status is S.COMPLETED

    # The poison message comes back at once, until the redrive policy dead-letters it.
    for _ in range(stack.hand_off.max_receive_count + 1):
        await consumer.poll_once(wait_seconds=0)
    assert await stack.hand_off.receive_dead_letters(expected=1) == [bodies["poison"]]
    assert await stack.hand_off.depth() == 0  # the other event type was deleted, not kept
    assert consumer.totals == {
        Outcome.STARTED: 2,
        Outcome.IGNORED: 1,
        Outcome.DEAD_LETTER: stack.hand_off.max_receive_count,
    }

    [poison_id] = [m for m, name in names.items() if name == "poison"]
    rejected = [r for r in caplog.records if poison_id in r.getMessage()]
    assert len(rejected) == stack.hand_off.max_receive_count
    for record in rejected:
        message = record.getMessage()
        assert record.levelno == logging.WARNING and "dead-letter" in message
        assert "body is not JSON" in message and len(message) < 500  # never the whole body
    [other_id] = [m for m, name in names.items() if name == "other"]
    [ignored] = [r for r in caplog.records if other_id in r.getMessage()]
    assert ignored.levelno == logging.INFO and "file_ingestion_failed" in ignored.getMessage()


async def test_evaluation_of_a_non_csv_fails_with_its_event(
    temporal_env: WorkflowEnvironment, stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x00")
    file = await stack.plugin.resources[FILE_STATUS].register_file(
        FileCreate(name=path.name, uri=str(path))
    )
    assert (
        await start_ingestion(temporal_env.client, stack.ingestion, file.id)
    ).status is S.COMPLETED
    handle = await temporal_env.client.start_workflow(
        EvaluateFileWorkflow.run,
        file.id,
        id=f"ev-{uuid.uuid4()}",
        task_queue=stack.evaluation.task_queue,
    )
    result = await handle.result()
    assert result.status is S.FAILED and result.error_type == "NotEvaluable"
    [event] = await stack.audit.receive(expected=1)
    assert event["detail-type"] == "evaluation_failed"
    # Retried without an attempt cap, yet a non-retryable error ends the stage at once.
    [scheduled] = [
        e.activity_task_scheduled_event_attributes
        for e in (await handle.fetch_history()).events
        if e.activity_task_scheduled_event_attributes.activity_type.name == EVALUATE_FILE_ACTIVITY
    ]
    assert scheduled.retry_policy.maximum_attempts == 0
    assert scheduled.retry_policy.maximum_interval.ToTimedelta() == timedelta(seconds=10)
    assert scheduled.start_to_close_timeout.ToTimedelta() == EVALUATE_FILE_START_TO_CLOSE
    assert max(await activity_attempts(handle)) == 1
