"""The consumer's decisions, and what it does on the queue, on moto's server and Temporal."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from evaluation_worker.consumer import IngestionEventConsumer, Outcome, evaluation_workflow_id
from evaluation_worker.settings import Settings
from temporalio.client import Client
from temporalio.service import RetryConfig
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import DATA_CONVERTER
from workflow_devstack import TcpProxy, make_route
from workflow_events.consumer import InMemoryDeduplicator, make_event

from tests.messages import ingestion_event

FILE_ID = uuid.uuid4()


def ingested_event(file_id: object, event_id: str | None = None) -> dict[str, Any]:
    """A complete ``file_ingested_successfully`` event as the bus delivers it (the kit's)."""
    data = {"file_id": str(file_id), "kind": "csv", "size": 8, "sha256": "0" * 64, "rows": 1}
    return make_event("ingestion", "file_ingested_successfully", data, event_id=event_id)


def ingested(file_id: object, event_id: str | None = None) -> str:
    return json.dumps(ingested_event(file_id, event_id))


def broken(change: Callable[[dict[str, Any]], object]) -> str:
    """A valid ingestion event with one thing changed."""
    event = ingested_event(FILE_ID)
    change(event)
    return json.dumps(event)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "body is not JSON"),
        ("[1, 2]", "body is a JSON array"),
        (json.dumps({"detail": {}}), "source: missing"),
        (json.dumps({"source": "ingestion"}), "detail-type: missing"),
        (broken(lambda e: e.update(detail=None)), "detail: expected an object, got null"),
        (broken(lambda e: e["detail"].pop("id")), "detail.id: missing"),
        (broken(lambda e: e["detail"]["data"].pop("file_id")), "detail.data.file_id: missing"),
        (
            broken(lambda e: e["detail"]["data"].update(file_id="nope")),
            "detail.data.file_id: expected a valid UUID",
        ),
        (broken(lambda e: e["detail"].pop("context")), "detail.context: missing"),
        (
            broken(lambda e: e["detail"].update(spec_version="2.0")),
            "detail.spec_version: unsupported envelope version: expected 1.x, got string '2.0'",
        ),
        (
            broken(lambda e: e["detail"]["data"].update(size="8")),
            "detail.data.size: expected a valid integer, got string '8'",
        ),
    ],
)
async def test_poison_messages_are_rejected_with_a_reason(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient, body: str, reason: str
) -> None:
    consumer = IngestionEventConsumer(temporal_env.client, sqs_client, "unused", "unused")
    result = await consumer.handle(body, "m-1")
    assert result.outcome is Outcome.DEAD_LETTER and result.message_id == "m-1"
    assert result.reason is not None and reason in result.reason


@pytest.mark.parametrize(
    ("consumer_source", "body"),
    [
        ("ingestion", ingestion_event(FILE_ID, detail_type="file_ingestion_failed")),
        ("ingestion", ingestion_event(FILE_ID, source="evaluation")),
        ("acme.ingestion", ingestion_event(FILE_ID)),  # a prefix is configured: not ours
        # Another type is ignored before its detail is looked at.
        ("ingestion", json.dumps({"source": "ingestion", "detail-type": "other"})),
    ],
)
async def test_other_events_are_ignored(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient, consumer_source: str, body: str
) -> None:
    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, "unused", "unused", source=consumer_source
    )
    result = await consumer.handle(body)
    assert result.outcome is Outcome.IGNORED and result.workflow_id is None


async def test_a_prefixed_source_is_accepted_when_configured(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient
) -> None:
    data = {"file_id": str(FILE_ID), "kind": "csv", "size": 8, "sha256": "0" * 64, "rows": 1}
    event = make_event("ingestion", "file_ingested_successfully", data, source_prefix="acme")
    dedup = InMemoryDeduplicator()
    await dedup.complete(event["detail"]["id"])  # known: no Temporal call needed
    consumer = IngestionEventConsumer(
        temporal_env.client,
        sqs_client,
        "unused",
        "unused",
        source="acme.ingestion",
        deduplicator=dedup,
    )
    result = await consumer.handle(json.dumps(event))
    assert result.outcome is Outcome.DUPLICATE
    assert result.workflow_id == evaluation_workflow_id(FILE_ID, event["detail"]["id"])


async def test_a_duplicate_known_to_the_deduplicator_starts_nothing(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient
) -> None:
    dedup = InMemoryDeduplicator()
    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, "unused", f"ev-{uuid.uuid4()}", deduplicator=dedup
    )
    file_id, event_id = uuid.uuid4(), str(uuid.uuid4())
    await dedup.complete(event_id)
    result = await consumer.handle(ingested(file_id, event_id))
    assert result.outcome is Outcome.DUPLICATE
    assert result.workflow_id == evaluation_workflow_id(file_id, event_id)
    with pytest.raises(Exception, match="not found"):  # never started
        await temporal_env.client.get_workflow_handle(result.workflow_id).describe()


async def test_a_failing_deduplicator_only_costs_the_shortcut(
    temporal_env: WorkflowEnvironment, sqs_client: SQSClient
) -> None:
    class Broken(InMemoryDeduplicator):
        async def claim(self, key: str) -> Any:
            raise ConnectionError("store down")

    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, "unused", f"ev-{uuid.uuid4()}", deduplicator=Broken()
    )
    body = ingested(uuid.uuid4())
    first, second = await consumer.handle(body), await consumer.handle(body)
    assert (first.outcome, second.outcome) == (Outcome.STARTED, Outcome.DUPLICATE)
    await temporal_env.client.get_workflow_handle(first.workflow_id or "").terminate()


def test_the_accepted_source_follows_the_prefix() -> None:
    assert Settings(_env_file=None).ingestion_source() == "ingestion"
    assert Settings(_env_file=None, event_source_prefix="acme").ingestion_source() == (
        "acme.ingestion"
    )
    assert Settings(_env_file=None, ingestion_event_source="x.y").ingestion_source() == "x.y"


async def test_a_start_temporal_rejects_goes_to_the_dead_letter_queue(
    temporal_env: WorkflowEnvironment,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["ingestion"]})
    # A workflow id over the server's 1000-character limit: INVALID_ARGUMENT, for good.
    body = ingested(uuid.uuid4(), "e" * 1100)
    message_id = (await sqs_client.send_message(QueueUrl=route.queue_url, MessageBody=body))[
        "MessageId"
    ]
    consumer = IngestionEventConsumer(
        temporal_env.client, sqs_client, route.queue_url, f"ev-{uuid.uuid4()}"
    )
    [result] = (await consumer.poll_once(wait_seconds=1)).outcomes
    assert result.outcome is Outcome.DEAD_LETTER and result.message_id == message_id
    assert result.reason is not None and "INVALID_ARGUMENT" in result.reason
    for _ in range(route.max_receive_count):
        await consumer.poll_once(wait_seconds=0)
    assert await route.receive_dead_letters(expected=1) == [body]
    assert consumer.totals == {Outcome.DEAD_LETTER: route.max_receive_count}
    assert any(
        message_id in r.getMessage() and "INVALID_ARGUMENT" in r.getMessage()
        for r in caplog.records
    )


async def test_a_transient_start_failure_leaves_the_message_for_redelivery(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(
        events_client, sqs_client, {"source": ["ingestion"]}, visibility_timeout=1
    )
    host, port = temporal_env.client.service_client.config.target_host.rsplit(":", 1)
    proxy = await TcpProxy(host, int(port)).start()
    client = await Client.connect(
        f"127.0.0.1:{proxy.port}",
        data_converter=DATA_CONVERTER,
        retry_config=RetryConfig(max_retries=1, max_elapsed_time_millis=1000),
    )
    consumer = IngestionEventConsumer(client, sqs_client, route.queue_url, f"ev-{uuid.uuid4()}")
    await sqs_client.send_message(QueueUrl=route.queue_url, MessageBody=ingested(FILE_ID))
    await proxy.stop()  # Temporal unreachable
    try:
        [failed] = (await consumer.poll_once(wait_seconds=1)).outcomes
        assert failed.outcome is Outcome.RETRY
        assert failed.reason is not None and "UNAVAILABLE" in failed.reason
        # Kept, and invisible for its normal timeout: neither deleted nor dead-lettered.
        assert (await consumer.poll_once(wait_seconds=0)).received == 0
        assert await route.depth() == 1 and await route.dead_letter_depth() == 0
    finally:
        await proxy.start()
    outcomes = []
    for _ in range(5):  # redelivered after the visibility timeout; Temporal is back
        outcomes = list((await consumer.poll_once(wait_seconds=1)).outcomes)
        if outcomes:
            break
    [started] = outcomes
    assert started.outcome is Outcome.STARTED and started.message_id == failed.message_id
    assert await route.depth() == 0 and await route.dead_letter_depth() == 0
    await temporal_env.client.get_workflow_handle(started.workflow_id or "").terminate()
    await proxy.stop()
