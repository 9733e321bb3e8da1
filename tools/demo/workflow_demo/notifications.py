"""The demo's failure notifications: an SNS topic on the emulator, and what reaches it.

One call, after the ingestion settings are built in `workflow_demo.run.run_demo`::

    ingestion_cfg = await notify_failures(stack, ingestion_cfg, console)

creates the topic ``demo-ingestion-failures`` on moto with an SQS queue subscribed, returns
the settings with ``notification_topic_arn`` set (the starter passes it with each ingestion,
so the worker processes need no new variable), and prints each notification as it arrives
(the malformed sample file's). The watcher stops with the emulator or the demo's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, Protocol, TypeVar

import aioboto3
from rich.console import Console
from rich.markup import escape
from types_aiobotocore_sqs import SQSClient
from workflow_notifications._sns import open_sns_client

__all__ = ["TOPIC_NAME", "FailureNotifications", "notify_failures", "subscribe_queue"]

TOPIC_NAME = "demo-ingestion-failures"


class _Emulator(Protocol):
    @property
    def endpoint_url(self) -> str: ...

    @property
    def region(self) -> str: ...


class _Stack(Protocol):
    @property
    def moto(self) -> _Emulator: ...

    @property
    def sqs(self) -> SQSClient: ...


class _Settings(Protocol):
    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any: ...


SettingsT = TypeVar("SettingsT", bound=_Settings)


class FailureNotifications:
    """The notifications received so far (SNS envelopes), and the task watching the queue."""

    def __init__(self, queue_url: str, console: Console | None) -> None:
        self.queue_url, self.console = queue_url, console
        self.received: list[dict[str, Any]] = []
        self.task: asyncio.Task[None] | None = None

    async def poll_once(self, sqs: SQSClient, wait_seconds: int = 1) -> list[dict[str, Any]]:
        """Receives what has arrived, prints it, and deletes it from the queue."""
        answer = await sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        new = []
        for message in answer.get("Messages", []):
            envelope = json.loads(message["Body"])
            new.append(envelope)
            await sqs.delete_message(
                QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            if self.console is not None:
                attributes = envelope.get("MessageAttributes", {})
                self.console.print(
                    f"[bold magenta]SNS notification[/] {escape(envelope.get('Subject') or '')}:"
                    f" {escape(envelope.get('Message', ''))}"
                    f" [dim](notification_id"
                    f" {attributes.get('notification_id', {}).get('Value')})[/]"
                )
        self.received += new
        return new

    async def watch(self, region: str, endpoint_url: str) -> None:
        """Polls with a client of its own until the emulator stops or the task is cancelled.

        Its own client: a cancellation (the demo's loop ending) closes it on the way out.
        """
        async with aioboto3.Session().client(
            "sqs", region_name=region, endpoint_url=endpoint_url
        ) as sqs:
            with contextlib.suppress(Exception):  # the emulator stopping ends the watch
                while True:
                    await self.poll_once(sqs)


async def subscribe_queue(stack: _Stack, name: str = TOPIC_NAME) -> tuple[str, str]:
    """Creates the topic and an SQS queue subscribed to it on the stack's emulator."""
    async with open_sns_client(
        region_name=stack.moto.region, endpoint_url=stack.moto.endpoint_url
    ) as sns:
        topic_arn = (await sns.create_topic(Name=name))["TopicArn"]
        queue_url = (await stack.sqs.create_queue(QueueName=name))["QueueUrl"]
        queue_arn = (
            await stack.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
        )["Attributes"]["QueueArn"]
        await sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return topic_arn, queue_url


async def notify_failures(
    stack: _Stack, settings: SettingsT, console: Console | None = None, *, watch: bool = True
) -> SettingsT:
    """The ingestion settings with a failure topic; notifications are printed as they arrive.

    The watcher is ``FAILURE_NOTIFICATIONS[-1]`` (for a report or a test).
    """
    topic_arn, queue_url = await subscribe_queue(stack)
    notifications = FailureNotifications(queue_url, console)
    if watch:
        notifications.task = asyncio.create_task(
            notifications.watch(stack.moto.region, stack.moto.endpoint_url), name="notifications"
        )
    FAILURE_NOTIFICATIONS.append(notifications)
    updated: SettingsT = settings.model_copy(update={"notification_topic_arn": topic_arn})
    return updated


FAILURE_NOTIFICATIONS: list[FailureNotifications] = []
"""The watchers `notify_failures` started, latest last."""
