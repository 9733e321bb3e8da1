"""EventBridge routes on the emulator: a bus whose rule forwards matching events to SQS.

Each route's queue has a dead-letter queue and a redrive policy, as a production queue
should: a message received ``max_receive_count`` times without being deleted is moved to the
dead-letter queue by SQS itself (moto implements the same rule).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from types_aiobotocore_sqs.literals import QueueAttributeNameType

__all__ = ["DEFAULT_MAX_RECEIVE_COUNT", "Route", "make_route"]

DEFAULT_MAX_RECEIVE_COUNT = 3
"""Receives after which an undeleted message moves to the dead-letter queue."""

SQS_VISIBILITY_TIMEOUT = 30
"""SQS's default ``VisibilityTimeout`` (seconds)."""

_DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the maximum: a dead letter outlives its source queue


@dataclass
class Route:
    """A bus, its rule, the queue the rule targets and that queue's dead-letter queue.

    Attributes:
        bus_name: The bus.
        queue_url / queue_arn: The rule's target queue.
        sqs: The client the route was made with.
        dlq_url / dlq_arn: The dead-letter queue of ``queue_url``.
        max_receive_count: The redrive policy's ``maxReceiveCount``.
        visibility_timeout: The queue's ``VisibilityTimeout`` in seconds.
    """

    bus_name: str
    queue_url: str
    queue_arn: str
    sqs: SQSClient
    dlq_url: str = ""
    dlq_arn: str = ""
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT
    visibility_timeout: int = SQS_VISIBILITY_TIMEOUT

    async def receive(self, expected: int, max_polls: int = 20) -> list[dict[str, Any]]:
        """Receives and deletes until ``expected`` events arrived or the polls run out."""
        return [json.loads(body) for body in await self._drain(self.queue_url, expected, max_polls)]

    async def receive_dead_letters(self, expected: int, max_polls: int = 20) -> list[str]:
        """Receives and deletes the dead-letter queue's messages (raw bodies: poison is not JSON)."""
        return await self._drain(self.dlq_url, expected, max_polls)

    async def dead_letter_depth(self) -> int:
        """Messages in the dead-letter queue (visible and in flight), without receiving them."""
        return await self._depth(self.dlq_url)

    async def depth(self) -> int:
        """Messages in the route's queue (visible and in flight), without receiving them."""
        return await self._depth(self.queue_url)

    async def settled_depth(self, margin: float = 5.0) -> int:
        """The queue's depth once what its consumers hold has settled.

        SQS delivers at least once: a message a consumer received can stay in flight after
        its delete (a delete that raced a second receive, as moto's SQS does under load), and
        comes back after the visibility timeout, to be received and deleted again. A message
        counts as left only if it is still there a visibility timeout (plus ``margin``
        seconds) later; an empty queue answers at once.
        """
        deadline = time.monotonic() + self.visibility_timeout + margin
        depth = await self.depth()
        while depth and time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            depth = await self.depth()
        return depth

    async def _depth(self, url: str) -> int:
        attrs = (
            await self.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )
        )["Attributes"]
        return int(attrs.get("ApproximateNumberOfMessages", 0)) + int(
            attrs.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    async def _drain(self, url: str, expected: int, max_polls: int) -> list[str]:
        bodies: list[str] = []
        for _ in range(max_polls):
            if len(bodies) >= expected:
                break
            response = await self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in response.get("Messages", []):
                bodies.append(message.get("Body", ""))
                await self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return bodies


async def _create_queue(
    sqs: SQSClient, name: str, attributes: dict[QueueAttributeNameType, str]
) -> tuple[str, str]:
    url = (await sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"]
    attrs = await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, attrs["Attributes"]["QueueArn"]


async def make_route(
    events: EventBridgeClient,
    sqs: SQSClient,
    pattern: dict[str, Any],
    *,
    bus_name: str | None = None,
    name: str | None = None,
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT,
    visibility_timeout: int | None = None,
) -> Route:
    """Creates (or reuses) the bus, and a new queue, its dead-letter queue and a rule.

    Args:
        events / sqs: Clients on the emulator.
        pattern: The rule's event pattern.
        bus_name: The bus (created if missing; a new one by default).
        name: Suffix of the queue, dead-letter queue (``-dlq``) and rule names.
        max_receive_count: The queue's redrive policy: receives before a message moves to
            the dead-letter queue.
        visibility_timeout: The queue's ``VisibilityTimeout`` in seconds (SQS's 30 if None).
    """
    if max_receive_count < 1:
        raise ValueError("max_receive_count must be >= 1")
    suffix = name or uuid.uuid4().hex[:8]
    bus_name = bus_name or f"bus-{suffix}"
    buses = {b["Name"] for b in (await events.list_event_buses())["EventBuses"]}
    if bus_name not in buses:
        await events.create_event_bus(Name=bus_name)
    dlq_url, dlq_arn = await _create_queue(
        sqs, f"q-{suffix}-dlq", {"MessageRetentionPeriod": str(_DLQ_RETENTION_SECONDS)}
    )
    attributes: dict[QueueAttributeNameType, str] = {
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
        )
    }
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    queue_url, arn = await _create_queue(sqs, f"q-{suffix}", attributes)
    await events.put_rule(
        Name=f"rule-{suffix}", EventBusName=bus_name, EventPattern=json.dumps(pattern)
    )
    await events.put_targets(
        Rule=f"rule-{suffix}", EventBusName=bus_name, Targets=[{"Id": "queue", "Arn": arn}]
    )
    return Route(
        bus_name=bus_name,
        queue_url=queue_url,
        queue_arn=arn,
        sqs=sqs,
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        max_receive_count=max_receive_count,
        visibility_timeout=SQS_VISIBILITY_TIMEOUT
        if visibility_timeout is None
        else visibility_timeout,
    )
