"""Guarantees at the boundary, through a real worker on the dev server and the moto server.

Workflows call ``shared.send_event`` by name with plain JSON (as a TypeScript workflow
would); standalone activities are started by a client with no workflow at all.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_activity_kit import execution_id
from workflow_contracts import SEND_EVENT_ACTIVITY, ErrorType, TemporalContext
from workflow_contracts.errors import EventPublishRetryableError
from workflow_devstack import activity_attempts, make_route
from workflow_events import EventEntry, SendEventActivity
from workflow_events._eventbridge import new_aioboto3_event_sender
from workflow_events._port import EntryOutcome, EventBatchSender
from workflow_events._publishers import BatchingPublisher, DirectPublisher

from tests.workflows import SendByNameWorkflow, SendRawWorkflow

ONE_SECOND = timedelta(seconds=1)
ANY_INGESTION = {"source": ["ingestion"]}


class Recorder:
    """The real backend, recording every call's entries; ``lose_first`` reports the first
    call as failed (retryably) after the bus accepted it, as a timeout after the fact would."""

    def __init__(self, real: EventBatchSender, *, lose_first: bool = False) -> None:
        self.real = real
        self.lose_first = lose_first
        self.calls: list[list[bytes]] = []

    async def send_batch(self, entries: Sequence[EventEntry]) -> list[EntryOutcome]:
        self.calls.append([entry.detail.encode() for entry in entries])
        outcomes = await self.real.send_batch(entries)
        if self.lose_first and len(self.calls) == 1:
            raise EventPublishRetryableError("injected: the answer was lost")
        return outcomes


@asynccontextmanager
async def worker(
    env: WorkflowEnvironment, sender: EventBatchSender, *, batching: bool
) -> AsyncIterator[str]:
    task_queue = f"boundary-{uuid.uuid4()}"
    publisher = (
        BatchingPublisher(sender, max_wait=timedelta(milliseconds=200))
        if batching
        else DirectPublisher(sender)
    )
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[SendByNameWorkflow, SendRawWorkflow],
        activities=[SendEventActivity(publisher).run],
    ):
        yield task_queue
    await publisher.aclose()


async def start(
    env: WorkflowEnvironment, task_queue: str, data: dict[str, Any], max_attempts: int = 60
) -> WorkflowHandle[Any, Any]:
    return await env.client.start_workflow(
        "SendByNameWorkflow",
        args=[["ingestion", "file_ingested_successfully", data], max_attempts],
        id=f"boundary-{uuid.uuid4()}",
        task_queue=task_queue,
    )


async def first_failure(handle: WorkflowHandle[Any, Any]) -> PendingActivityInfo:
    """The pending activity once an attempt has failed (attempt 2 is scheduled)."""
    for _ in range(300):
        description = await handle.describe()
        for pending in description.raw_description.pending_activities:
            if pending.attempt >= 2:
                return pending
        await asyncio.sleep(0.1)
    raise AssertionError(f"{handle.id}: no failed attempt seen")


def expected_id(handle: WorkflowHandle[Any, Any], run_id: str | None) -> str:
    context = TemporalContext(handle.id, run_id, "1", 1, namespace="default")
    return execution_id(context)


async def test_an_event_waits_for_its_bus_and_arrives_once_it_is_created(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    bus = f"late-{uuid.uuid4().hex[:8]}"
    sender = new_aioboto3_event_sender(events_client, bus, operator_retry_delay=ONE_SECOND)
    async with worker(temporal_env, sender, batching=False) as task_queue:
        handle = await start(temporal_env, task_queue, {"file_id": "f-late"})
        pending = await first_failure(handle)
        failure = pending.last_failure
        assert failure.application_failure_info.type == ErrorType.EVENT_BUS_NOT_FOUND
        assert not failure.application_failure_info.non_retryable
        assert f"create event bus {bus!r}" in failure.message
        route = await make_route(events_client, sqs_client, ANY_INGESTION, bus_name=bus)
        result = await handle.result()
    assert result["event_id"] == expected_id(handle, handle.result_run_id)
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == result["event_id"]
    assert event["detail"]["data"] == {"file_id": "f-late"}
    assert await route.receive(expected=1, max_polls=1) == []


async def test_batched_events_wait_for_a_missing_bus_and_none_is_lost(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    bus = f"late-{uuid.uuid4().hex[:8]}"
    sender = Recorder(
        new_aioboto3_event_sender(events_client, bus, operator_retry_delay=ONE_SECOND)
    )
    async with worker(temporal_env, sender, batching=True) as task_queue:
        handles = await asyncio.gather(
            *(start(temporal_env, task_queue, {"n": n}) for n in range(10))
        )
        await asyncio.gather(*(first_failure(handle) for handle in handles))
        route = await make_route(events_client, sqs_client, ANY_INGESTION, bus_name=bus)
        results = await asyncio.gather(*(handle.result() for handle in handles))
    assert max(len(call) for call in sender.calls) > 1  # whole calls of several entries failed
    events = await route.receive(expected=10)
    assert sorted(e["detail"]["data"]["n"] for e in events) == list(range(10))
    assert {e["detail"]["id"] for e in events} == {r["event_id"] for r in results}
    assert len({r["event_id"] for r in results}) == 10


async def test_a_retried_execution_sends_byte_identical_detail(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    sender = Recorder(new_aioboto3_event_sender(events_client, route.bus_name), lose_first=True)
    async with worker(temporal_env, sender, batching=False) as task_queue:
        handle = await start(temporal_env, task_queue, {"file_id": "f-again"}, max_attempts=3)
        result = await handle.result()
    assert await activity_attempts(handle) == [2]
    [[first], [second]] = sender.calls
    assert first == second
    assert (
        json.loads(first)["id"] == result["event_id"] == expected_id(handle, handle.result_run_id)
    )
    delivered = await route.receive(expected=2)  # the lost answer's event arrived too
    assert len(delivered) == 2
    assert delivered[0]["detail"] == delivered[1]["detail"] == json.loads(first)


async def test_a_bad_value_from_another_sdk_fails_once_with_a_typed_error(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    deep = '{"a":' * 40 + "{}" + "}" * 40
    cases = [
        ['"\\ud800"', '"t"', "{}"],
        ['"ingestion"', '"t"', '{"k": ["ok", "\\udfff"]}'],
        ['"ingestion"', '"t"', deep],
        ['"ingestion"', '"t"', "null"],
        ['"ingestion"', '"t"', '{"x": NaN}'],
        ["3", '"t"', "{}"],
        ['"ingestion"', '"t"'],
        ['"ingestion"', '"t"', '{"ok": "\\u00e9\\ud83d\\ude00"}'],
    ]
    sender = new_aioboto3_event_sender(events_client, route.bus_name)
    async with worker(temporal_env, sender, batching=False) as task_queue:
        handle = await temporal_env.client.start_workflow(
            "SendRawWorkflow", cases, id=f"raw-{uuid.uuid4()}", task_queue=task_queue
        )
        answers = await handle.result()
    *failures, sent = answers
    expected = [
        (ErrorType.INVALID_EVENT, "source: not valid Unicode"),
        (ErrorType.INVALID_EVENT, "data['k'][1]: not valid Unicode"),
        (ErrorType.INVALID_EVENT, "data['a']['a']"),
        (ErrorType.INVALID_EVENT, "data: must be a JSON object, got null"),
        (ErrorType.INVALID_EVENT, "data['x']: nan is not valid JSON"),
        (ErrorType.INVALID_EVENT, "source: must be a non-empty string, got number"),
        (ErrorType.INVALID_ARGUMENTS, "shared.send_event takes 3 arguments"),
    ]
    assert len(failures) == len(expected)
    for failure, (error_type, start) in zip(failures, expected, strict=True):
        assert failure["type"] == error_type and failure["message"].startswith(start), failure
    assert all(f["non_retryable"] for f in failures)
    assert await activity_attempts(handle) == [1] * len(cases)  # nothing was retried
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == sent["event_id"]
    assert event["detail"]["data"] == {"ok": "é😀"}


async def test_two_standalone_runs_with_one_activity_id_are_two_events(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    activity_id = f"standalone-{uuid.uuid4()}"
    sender = new_aioboto3_event_sender(events_client, route.bus_name)
    async with worker(temporal_env, sender, batching=True) as task_queue:
        results = [
            await temporal_env.client.execute_activity(
                SEND_EVENT_ACTIVITY,
                args=["ingestion", "standalone_sent", {"n": n}],
                id=activity_id,
                task_queue=task_queue,
                start_to_close_timeout=timedelta(seconds=10),
            )
            for n in (1, 2)
        ]
    assert results[0]["event_id"] != results[1]["event_id"]
    events = sorted(await route.receive(expected=2), key=lambda e: e["detail"]["data"]["n"])
    assert [e["detail"]["id"] for e in events] == [r["event_id"] for r in results]
    contexts = [e["detail"]["context"] for e in events]
    assert all(c["workflow_id"] is None and c["activity_id"] == activity_id for c in contexts)
    assert contexts[0]["activity_run_id"] != contexts[1]["activity_run_id"]


async def test_a_retried_standalone_run_keeps_one_id(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    sender = Recorder(new_aioboto3_event_sender(events_client, route.bus_name), lose_first=True)
    activity_id = f"standalone-{uuid.uuid4()}"
    async with worker(temporal_env, sender, batching=False) as task_queue:
        handle = await temporal_env.client.start_activity(
            SEND_EVENT_ACTIVITY,
            args=["ingestion", "standalone_sent", {"n": 1}],
            id=activity_id,
            task_queue=task_queue,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=100)),
        )
        result = await handle.result()
        assert (await handle.describe()).attempt == 2
    [[first], [second]] = sender.calls
    assert first == second  # byte-identical on both attempts
    context = TemporalContext(None, None, activity_id, 1, None, "default", handle.run_id)
    assert result["event_id"] == json.loads(first)["id"] == execution_id(context)
    delivered = await route.receive(expected=2)
    assert [e["detail"]["id"] for e in delivered] == [result["event_id"]] * 2


async def test_control_and_format_characters_in_names_fail_once_and_send_nothing(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    """moto (like EventBridge) fails the whole call on such a name: it must never be sent."""
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    cases = [
        ['"ing\\u0000estion"', '"t"', "{}"],
        ['"ingestion"', '"t\\u0000t"', "{}"],
        ['"ingestion"', '"a\\nb"', "{}"],
        ['"ingestion"', '"x\\u0085"', "{}"],
        ['"ingestion\\u007f"', '"t"', "{}"],
        ['"\\u200baws.ec2"', '"t"', "{}"],
        ['" aws.ec2"', '"t"', "{}"],
        ['"\\u200b"', '"t"', "{}"],
        ['"my source"', '"t"', "{}"],
        ['"ingestion"', '"Object Created"', '{"ok": 1}'],
    ]
    sender = new_aioboto3_event_sender(events_client, route.bus_name)
    async with worker(temporal_env, sender, batching=False) as task_queue:
        handle = await temporal_env.client.start_workflow(
            "SendRawWorkflow", cases, id=f"names-{uuid.uuid4()}", task_queue=task_queue
        )
        answers = await handle.result()
    *failures, sent = answers
    fields = ["source", "event_type", "event_type", "event_type", "source"] + ["source"] * 4
    code_points = ["U+0000", "U+0000", "U+000A", "U+0085", "U+007F"]
    code_points += ["U+200B", "U+0020", "U+200B", "U+0020"]
    for failure, field, code_point in zip(failures, fields, code_points, strict=True):
        assert failure["type"] == ErrorType.INVALID_EVENT, failure
        assert failure["non_retryable"] is True
        assert failure["message"].startswith(f"{field}: ") and code_point in failure["message"]
    assert await activity_attempts(handle) == [1] * len(cases)  # nothing was retried
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == sent["event_id"]
    assert event["detail-type"] == "Object Created"


async def test_a_control_character_in_a_batch_fails_only_its_own_caller_once(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, sqs_client: SQSClient
) -> None:
    route = await make_route(events_client, sqs_client, ANY_INGESTION)
    sender = Recorder(new_aioboto3_event_sender(events_client, route.bus_name))
    async with worker(temporal_env, sender, batching=True) as task_queue:
        bad = await temporal_env.client.start_workflow(
            "SendByNameWorkflow",
            args=[["ingestion", "file\u0000ingested", {"n": 99}], 3],
            id=f"bad-{uuid.uuid4()}",
            task_queue=task_queue,
        )
        good = await asyncio.gather(*(start(temporal_env, task_queue, {"n": n}) for n in range(5)))
        results = await asyncio.gather(*(handle.result() for handle in good))
        with pytest.raises(WorkflowFailureError) as info:
            await bad.result()
    assert isinstance(info.value.cause, ActivityError)
    cause = info.value.cause.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == ErrorType.INVALID_EVENT and cause.non_retryable
    assert "event_type" in cause.message and "U+0000" in cause.message
    assert await activity_attempts(bad) == [1]
    assert all(b"\\u0000ingested" not in d for call in sender.calls for d in call)
    events = await route.receive(expected=5)
    assert sorted(e["detail"]["data"]["n"] for e in events) == list(range(5))
    assert {e["detail"]["id"] for e in events} == {r["event_id"] for r in results}
