"""Through a real worker on the dev server, against moto's SNS with an SQS queue subscribed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest_asyncio
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_sns import SNSClient
from types_aiobotocore_sqs import SQSClient
from workflow_activity_kit import WorkerScope
from workflow_contracts import NotificationReceipt
from workflow_contracts.notifications import NotificationFailedError
from workflow_devstack import MotoServer, activity_attempts
from workflow_notifications import (
    NotificationRequest,
    NotificationResource,
    PublishOutcome,
    SendNotificationActivity,
)

from tests.conftest import subscribe
from tests.integration.workflows import NotifyWorkflow


class LoseFirstAnswer:
    """Publishes, then fails attempt 1 as if the answer was lost (a timeout after SNS took it)."""

    def __init__(self, inner: NotificationResource) -> None:
        self.inner = inner
        self.calls = 0

    async def publish(self, request: NotificationRequest) -> PublishOutcome:
        self.calls += 1
        outcome = await self.inner.publish(request)
        if self.calls == 1:
            raise NotificationFailedError("answer lost after publishing (injected)")
        return outcome


@dataclass
class Stack:
    client: Client
    task_queue: str
    flaky_queue: str
    flaky: LoseFirstAnswer


@pytest_asyncio.fixture(scope="module")
async def stack(temporal_env: WorkflowEnvironment, moto_server: MotoServer) -> AsyncIterator[Stack]:
    client = await Client.connect(temporal_env.client.service_client.config.target_host)
    resource = NotificationResource()
    async with resource.open(
        WorkerScope(
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
            operator_retry_delay=timedelta(seconds=1),
        )
    ):
        flaky = LoseFirstAnswer(resource)
        task_queue, flaky_queue = f"notify-{uuid.uuid4()}", f"notify-flaky-{uuid.uuid4()}"
        async with (
            Worker(
                client,
                task_queue=task_queue,
                workflows=[NotifyWorkflow],
                activities=[SendNotificationActivity(resource).run],
            ),
            Worker(
                client,
                task_queue=flaky_queue,
                workflows=[NotifyWorkflow],
                activities=[SendNotificationActivity(flaky).run],
            ),
        ):
            yield Stack(client, task_queue, flaky_queue, flaky)


async def start(
    stack: Stack, topic_arn: str, message: str, group_id: str | None = None, *, queue: str = ""
) -> WorkflowHandle[NotifyWorkflow, NotificationReceipt]:
    return await stack.client.start_workflow(
        NotifyWorkflow.run,
        args=[topic_arn, message, group_id],
        id=f"notify-{uuid.uuid4()}",
        task_queue=queue or stack.task_queue,
    )


async def test_a_standard_topic_delivers_subject_message_and_attributes(
    stack: Stack, sns_client: SNSClient, sqs_client: SQSClient
) -> None:
    route = await subscribe(sns_client, sqs_client)
    receipt = await (await start(stack, route.topic_arn, "file f-1 failed")).result()
    [envelope] = await route.receive(expected=1)
    assert envelope["Subject"] == "File failed"
    assert envelope["Message"] == "file f-1 failed"
    attributes = envelope["MessageAttributes"]
    assert attributes["notification_id"]["Value"] == receipt.notification_id
    assert attributes["file_id"] == {"Type": "String", "Value": "f-1"}
    assert envelope["MessageId"] == receipt.message_id


async def test_a_fifo_retry_of_the_same_execution_delivers_once(
    stack: Stack, sns_client: SNSClient, sqs_client: SQSClient
) -> None:
    route = await subscribe(sns_client, sqs_client, fifo=True)
    stack.flaky.calls = 0  # the next publish (attempt 1) loses its answer
    handle = await start(stack, route.topic_arn, "once", "file-1", queue=stack.flaky_queue)
    receipt = await handle.result()
    assert stack.flaky.calls == 2, "published on attempt 1 and again on attempt 2"
    assert await activity_attempts(handle) == [2]
    delivered = await route.receive(expected=2, max_polls=6)
    assert [e["Message"] for e in delivered] == ["once"]
    assert delivered[0]["MessageAttributes"]["notification_id"]["Value"] == receipt.notification_id


async def test_another_execution_is_another_fifo_message(
    stack: Stack, sns_client: SNSClient, sqs_client: SQSClient
) -> None:
    route = await subscribe(sns_client, sqs_client, fifo=True)
    first = await (await start(stack, route.topic_arn, "same body", "g")).result()
    second = await (await start(stack, route.topic_arn, "same body", "g")).result()
    assert first.notification_id != second.notification_id
    assert len(await route.receive(expected=2)) == 2


async def test_a_missing_topic_waits_for_the_operator_then_delivers(
    stack: Stack, sns_client: SNSClient, sqs_client: SQSClient
) -> None:
    name = f"late-{uuid.uuid4().hex[:10]}"
    arn = f"arn:aws:sns:us-east-1:123456789012:{name}"
    handle = await start(stack, arn, "delivered late")
    failure = None
    for _ in range(50):  # the first attempt fails with the operator error
        pending = (await handle.describe()).raw_description.pending_activities
        if pending and pending[0].last_failure.message:
            failure = pending[0].last_failure
            break
        await asyncio.sleep(0.1)
    assert failure is not None
    assert failure.application_failure_info.type == "NotificationTopicNotFound"
    assert not failure.application_failure_info.non_retryable
    assert "create it" in failure.message
    route = await subscribe(sns_client, sqs_client, name=name)  # the operator's fix
    assert route.topic_arn == arn
    receipt = await asyncio.wait_for(handle.result(), 20)
    [envelope] = await route.receive(expected=1)
    assert envelope["MessageAttributes"]["notification_id"]["Value"] == receipt.notification_id
