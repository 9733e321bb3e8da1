"""The EventBridge backend against moto's server: routing, partial failures, errors."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from temporalio.testing import ActivityEnvironment
from types_aiobotocore_events import EventBridgeClient
from workflow_contracts import TemporalContext
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
)
from workflow_devstack import Route, free_port
from workflow_events import EventEntry, SendEventActivity
from workflow_events._entry import build_entry
from workflow_events._eventbridge import new_aioboto3_event_sender, open_events_client
from workflow_events._port import EntryOutcome
from workflow_events._publishers import BatchingPublisher

SCHEDULED = datetime(2026, 11, 25, 8, 0, 0, tzinfo=UTC)


def env(activity_id: str = "1", attempt: int = 1) -> ActivityEnvironment:
    e = ActivityEnvironment()
    e.info = dataclasses.replace(
        e.info,
        workflow_id="wf-1",
        workflow_run_id="run-1",
        activity_id=activity_id,
        attempt=attempt,
        scheduled_time=SCHEDULED,
    )
    return e


def entry(i: int, detail: str | None = None) -> EventEntry:
    e, _ = build_entry(
        event_id=f"e{i}",
        source="ingestion",
        event_type="file_ingested_successfully",
        data={"kind": "csv", "i": i},
        time=SCHEDULED,
        context=TemporalContext("wf", "run", str(i), 1),
    )
    return dataclasses.replace(e, detail=detail) if detail is not None else e


async def test_event_reaches_the_queue_through_a_rule(
    events_client: EventBridgeClient, route: Route
) -> None:
    publisher = BatchingPublisher(new_aioboto3_event_sender(events_client, route.bus_name))
    activity = SendEventActivity(publisher)
    receipt = await env().run(
        activity.run,
        "ingestion",
        "file_ingested_successfully",
        {"kind": "csv", "file_id": "f-1", "rows": 3},
    )
    # Same source and type, but the rule's detail field does not match: filtered out.
    await env(activity_id="2").run(
        activity.run, "ingestion", "file_ingested_successfully", {"kind": "json"}
    )
    await publisher.aclose()
    [event] = await route.receive(expected=1)
    assert event["source"] == "ingestion"
    assert event["detail-type"] == "file_ingested_successfully"
    assert datetime.fromisoformat(event["time"].replace("Z", "+00:00")) == SCHEDULED
    assert event["id"] == receipt.bus_event_id
    detail = event["detail"]
    assert detail["id"] == receipt.event_id
    assert detail["source"] == "ingestion"
    assert detail["type"] == "file_ingested_successfully"
    assert detail["time"] == SCHEDULED.isoformat()
    assert detail["data"] == {"kind": "csv", "file_id": "f-1", "rows": 3}
    assert detail["context"] == {
        "workflow_id": "wf-1",
        "run_id": "run-1",
        "activity_id": "1",
        "activity_run_id": None,
        "workflow_type": "test",
        "namespace": "default",
    }
    assert await route.receive(expected=1, max_polls=1) == []


async def test_a_retried_event_is_identical_for_consumers(
    events_client: EventBridgeClient, route: Route
) -> None:
    publisher = BatchingPublisher(new_aioboto3_event_sender(events_client, route.bus_name))
    activity = SendEventActivity(publisher)
    for attempt in (1, 2):
        await env(attempt=attempt).run(
            activity.run, "ingestion", "file_ingested_successfully", {"kind": "csv"}
        )
    first, second = await route.receive(expected=2)
    assert first["id"] != second["id"]  # EventBridge's own id differs per call...
    assert first["detail"]["id"] == second["detail"]["id"]  # ...ours does not
    assert first["detail"] == second["detail"]  # nor anything else in it
    assert first["time"] == second["time"]


async def test_a_real_partial_failure_fails_only_its_entry(
    events_client: EventBridgeClient, route: Route
) -> None:
    # The emulator itself rejects a malformed Detail with the entry code MalformedDetail.
    sender = new_aioboto3_event_sender(events_client, route.bus_name)
    outcomes = await sender.send_batch([entry(1), entry(2, detail="{not json"), entry(3)])
    assert [o.ok for o in outcomes] == [True, False, True]
    assert outcomes[1].error_code == "MalformedDetail"
    publisher = BatchingPublisher(sender, max_wait=timedelta(milliseconds=50))
    results = await asyncio.gather(
        publisher.publish(entry(4)),
        publisher.publish(entry(5, detail="{bad")),
        publisher.publish(entry(6)),
        return_exceptions=True,
    )
    assert isinstance(results[0], str) and isinstance(results[2], str)
    assert isinstance(results[1], EventRejectedError) and results[1].non_retryable
    received = await route.receive(expected=4)
    assert sorted(e["detail"]["data"]["i"] for e in received) == [1, 3, 4, 6]


class FaultInjectingSender:
    """The real backend, except that chosen entries are answered with an error code
    instead of being sent (as EventBridge does for throttled or failed entries)."""

    def __init__(self, real: object, faults: dict[str, str]) -> None:
        self.real = real
        self.faults = faults
        self.sent: list[list[str]] = []

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        to_send = [e for e in entries if e.event_id not in self.faults]
        self.sent.append([e.event_id for e in to_send])
        real_outcomes = iter(await self.real.send_batch(to_send) if to_send else [])  # type: ignore[attr-defined]
        return [
            EntryOutcome(error_code=self.faults.pop(e.event_id), error_message="injected")
            if e.event_id in self.faults
            else next(real_outcomes)
            for e in entries
        ]


async def test_injected_throttling_and_internal_failure_in_a_batch(
    events_client: EventBridgeClient, route: Route
) -> None:
    sender = FaultInjectingSender(
        new_aioboto3_event_sender(events_client, route.bus_name),
        {"e2": "ThrottlingException", "e5": "InternalFailure", "e7": "AccessDeniedException"},
    )
    publisher = BatchingPublisher(sender, max_wait=timedelta(milliseconds=50))
    results = await asyncio.gather(
        *(publisher.publish(entry(i)) for i in range(10)), return_exceptions=True
    )
    assert isinstance(results[2], EventThrottledError) and not results[2].non_retryable
    assert results[2].next_retry_delay == timedelta(seconds=1)
    assert isinstance(results[5], EventPublishRetryableError) and not results[5].non_retryable
    # A permission waits for the operator: retried with the long delay, not lost.
    assert isinstance(results[7], EventAccessDeniedError) and not results[7].non_retryable
    assert results[7].next_retry_delay == OPERATOR_RETRY_DELAY
    assert all(isinstance(results[i], str) for i in range(10) if i not in (2, 5, 7))
    # Temporal retries the three callers: only their entries are sent again.
    await asyncio.gather(*(publisher.publish(entry(i)) for i in (2, 5, 7)))
    assert sorted(sender.sent[-1]) == ["e2", "e5", "e7"]
    received = await route.receive(expected=10)
    assert sorted(e["detail"]["data"]["i"] for e in received) == list(range(10))


async def test_missing_bus_waits_for_the_operator_to_create_it(
    events_client: EventBridgeClient,
) -> None:
    sender = new_aioboto3_event_sender(
        events_client, "no-such-bus", operator_retry_delay=timedelta(seconds=5)
    )
    with pytest.raises(EventBusNotFoundError) as info:
        await sender.send_batch([entry(1)])
    assert not info.value.non_retryable
    assert info.value.next_retry_delay == timedelta(seconds=5)
    assert "create event bus 'no-such-bus'" in info.value.message
    assert info.value.details[0]["error_code"] == "ResourceNotFoundException"
    assert info.value.__cause__ is None  # the driver's exception is logged, not chained


async def test_unreachable_endpoint_is_retryable(aws_env: dict[str, str]) -> None:
    async with open_events_client(
        region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}"
    ) as client:
        sender = new_aioboto3_event_sender(client, "bus")
        with pytest.raises(EventPublishRetryableError) as info:
            await sender.send_batch([entry(1)])
    assert not info.value.non_retryable
    assert info.value.details[0]["error_code"] == "EndpointConnectionError"
    assert info.value.__cause__ is None


class _Always500(BaseHTTPRequestHandler):
    hits = 0

    def do_POST(self) -> None:
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"__type": "InternalException", "message": "boom"}'
        self.send_response(500)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_a_5xx_is_retryable_and_the_client_does_not_retry_it_itself(
    aws_env: dict[str, str],
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Always500)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        async with open_events_client(
            region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.server_port}"
        ) as client:
            sender = new_aioboto3_event_sender(client, "bus")
            with pytest.raises(EventPublishRetryableError) as info:
                await sender.send_batch([entry(1)])
    finally:
        server.shutdown()
    assert not info.value.non_retryable
    assert info.value.details[0].get("http_status") == 500, info.value.message
    assert _Always500.hits == 1  # Temporal's retry policy governs, not botocore's


async def test_a_long_missing_bus_arn_still_gets_the_whole_fix(
    events_client: EventBridgeClient,
) -> None:
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/" + "b" * 200
    sender = new_aioboto3_event_sender(events_client, arn)
    with pytest.raises(EventBusNotFoundError) as info:
        await sender.send_batch([entry(1)])
    message = info.value.message
    assert len(message) <= 500
    assert "create event bus 'arn:aws:events:us-east-1:123456789012:event-bus/" in message
    assert "or fix the bus name the worker is configured with" in message
    assert info.value.details[0]["bus_name"] == arn


class _EntryWithoutIdOrCode(BaseHTTPRequestHandler):
    """Answers 200 with an entry that has neither EventId nor ErrorCode (a broken proxy)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"FailedEntryCount": 0, "Entries": [{}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_a_malformed_answer_entry_is_retryable(aws_env: dict[str, str]) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EntryWithoutIdOrCode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        async with open_events_client(
            region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.server_port}"
        ) as client:
            publisher = BatchingPublisher(new_aioboto3_event_sender(client, "bus"))
            with pytest.raises(EventPublishRetryableError) as info:
                await publisher.publish(entry(1))
            await publisher.aclose()
    finally:
        server.shutdown()
    assert type(info.value) is EventPublishRetryableError
    assert not info.value.non_retryable
    assert info.value.details[0]["error_code"] == "MalformedAnswer"
