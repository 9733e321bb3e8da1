"""EventBridge routes on the emulator: a bus whose rule forwards matching events to SQS."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient

__all__ = ["Route", "make_route"]


@dataclass
class Route:
    """A bus, its rule and the queue the rule targets."""

    bus_name: str
    queue_url: str
    queue_arn: str
    sqs: SQSClient

    async def receive(self, expected: int, max_polls: int = 20) -> list[dict[str, Any]]:
        """Receives and deletes until ``expected`` events arrived or the polls run out."""
        events: list[dict[str, Any]] = []
        for _ in range(max_polls):
            if len(events) >= expected:
                break
            response = await self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
            for message in response.get("Messages", []):
                events.append(json.loads(message["Body"]))
                await self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return events


async def make_route(
    events: EventBridgeClient,
    sqs: SQSClient,
    pattern: dict[str, Any],
    *,
    bus_name: str | None = None,
    name: str | None = None,
) -> Route:
    """Creates (or reuses) the bus, and a new queue and rule with ``pattern`` targeting it."""
    suffix = name or uuid.uuid4().hex[:8]
    bus_name = bus_name or f"bus-{suffix}"
    buses = {b["Name"] for b in (await events.list_event_buses())["EventBuses"]}
    if bus_name not in buses:
        await events.create_event_bus(Name=bus_name)
    queue_url = (await sqs.create_queue(QueueName=f"q-{suffix}"))["QueueUrl"]
    attrs = await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    arn = attrs["Attributes"]["QueueArn"]
    await events.put_rule(
        Name=f"rule-{suffix}", EventBusName=bus_name, EventPattern=json.dumps(pattern)
    )
    await events.put_targets(
        Rule=f"rule-{suffix}", EventBusName=bus_name, Targets=[{"Id": "queue", "Arn": arn}]
    )
    return Route(bus_name=bus_name, queue_url=queue_url, queue_arn=arn, sqs=sqs)
