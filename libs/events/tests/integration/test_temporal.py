"""SendEventActivity end to end: a real Temporal dev server, the moto server and its queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import ErrorType, EventReceipt
from workflow_devstack import Route, activity_attempts, make_route
from workflow_events import SendEventActivity
from workflow_events._eventbridge import new_aioboto3_event_sender
from workflow_events._publishers import BatchingPublisher

from tests.workflows import NotifyByNameWorkflow, NotifyIngestedWorkflow, NotifyRejectedWorkflow

WORKFLOWS = [NotifyIngestedWorkflow, NotifyByNameWorkflow, NotifyRejectedWorkflow]


@pytest_asyncio.fixture
async def any_route(events_client: EventBridgeClient, sqs_client: SQSClient) -> Route:
    return await make_route(events_client, sqs_client, {"source": ["ingestion"]})


async def run_worker(
    env: WorkflowEnvironment,
    client: EventBridgeClient,
    bus_name: str,
    operator_retry_delay: timedelta = timedelta(milliseconds=100),
) -> AsyncIterator[str]:
    task_queue = f"events-{uuid.uuid4()}"
    sender = new_aioboto3_event_sender(client, bus_name, operator_retry_delay=operator_retry_delay)
    publisher = BatchingPublisher(sender)
    activity = SendEventActivity(publisher)
    async with Worker(
        env.client, task_queue=task_queue, workflows=WORKFLOWS, activities=[activity.run]
    ):
        yield task_queue
    await publisher.aclose()


async def test_call_form_from_a_workflow(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, any_route: Route
) -> None:
    async for task_queue in run_worker(temporal_env, events_client, any_route.bus_name):
        file_id = str(uuid.uuid4())
        handle = await temporal_env.client.start_workflow(
            NotifyIngestedWorkflow.run, file_id, id=f"notify-{file_id}", task_queue=task_queue
        )
        receipt = await handle.result()
    assert isinstance(receipt, EventReceipt)
    [event] = await any_route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id
    assert event["detail"]["data"] == {"file_id": file_id}
    assert event["detail"]["context"]["workflow_id"] == f"notify-{file_id}"
    assert event["detail"]["context"]["run_id"] == handle.result_run_id
    assert event["detail-type"] == "file_ingested_successfully"


async def test_call_by_name_with_json_arguments(
    temporal_env: WorkflowEnvironment, events_client: EventBridgeClient, any_route: Route
) -> None:
    async for task_queue in run_worker(temporal_env, events_client, any_route.bus_name):
        result = await temporal_env.client.execute_workflow(
            "NotifyByNameWorkflow",
            ["ingestion", "file_ingestion_failed", {"file_id": "f-9", "error": {"type": "X"}}],
            id=f"byname-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert set(result) == {"event_id", "source", "event_type", "time", "bus_event_id"}
    [event] = await any_route.receive(expected=1)
    assert event["detail"]["id"] == result["event_id"]
    assert event["detail"]["data"] == {"file_id": "f-9", "error": {"type": "X"}}


@pytest.mark.parametrize(
    ("source", "bus", "error_type", "attempts", "words"),
    [
        # A bad event is permanent: one attempt.
        ("aws.ingestion", "route", ErrorType.INVALID_EVENT, [1], "reserved"),
        # A missing bus waits for the operator: retried (here every 100 ms) until the
        # workflow's policy gives up, never failed on attempt 1. (The history keeps the
        # start of the last attempt only.)
        ("ingestion", "missing", ErrorType.EVENT_BUS_NOT_FOUND, [5], "create"),
    ],
)
async def test_a_failed_event_is_retried_only_when_someone_can_fix_it(
    temporal_env: WorkflowEnvironment,
    events_client: EventBridgeClient,
    any_route: Route,
    source: str,
    bus: str,
    error_type: str,
    attempts: list[int],
    words: str,
) -> None:
    bus_name = any_route.bus_name if bus == "route" else f"missing-{uuid.uuid4().hex[:6]}"
    async for task_queue in run_worker(temporal_env, events_client, bus_name):
        handle = await temporal_env.client.start_workflow(
            NotifyRejectedWorkflow.run, source, id=f"rejected-{uuid.uuid4()}", task_queue=task_queue
        )
        outcome = await handle.result()
    assert outcome["type"] == error_type
    assert outcome["non_retryable"] is (attempts == [1])
    assert words in outcome["message"]
    assert await activity_attempts(handle) == attempts
    assert await any_route.receive(expected=1, max_polls=1) == []
