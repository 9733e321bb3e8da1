"""Fixtures on the real emulator: moto's server mode on loopback."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aioboto3
import pytest_asyncio
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer
from workflow_events import open_events_client


@pytest_asyncio.fixture(scope="session")
async def events_client(moto_server: MotoServer) -> AsyncIterator[EventBridgeClient]:
    async with open_events_client(
        region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def sqs_client(moto_server: MotoServer) -> AsyncIterator[SQSClient]:
    async with aioboto3.Session().client(
        "sqs", region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@dataclass
class Route:
    """A bus whose rule sends matching events to an SQS queue."""

    bus_name: str
    queue_url: str
    sqs: SQSClient

    async def receive(self, expected: int, max_polls: int = 20) -> list[dict[str, Any]]:
        """Receives (and deletes) until ``expected`` events arrived or the polls run out."""
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
    events_client: EventBridgeClient, sqs_client: SQSClient, pattern: dict[str, Any]
) -> Route:
    suffix = uuid.uuid4().hex[:8]
    bus_name = f"bus-{suffix}"
    await events_client.create_event_bus(Name=bus_name)
    queue_url = (await sqs_client.create_queue(QueueName=f"q-{suffix}"))["QueueUrl"]
    attrs = await sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    await events_client.put_rule(
        Name=f"rule-{suffix}", EventBusName=bus_name, EventPattern=json.dumps(pattern)
    )
    await events_client.put_targets(
        Rule=f"rule-{suffix}",
        EventBusName=bus_name,
        Targets=[{"Id": "queue", "Arn": attrs["Attributes"]["QueueArn"]}],
    )
    return Route(bus_name=bus_name, queue_url=queue_url, sqs=sqs_client)


@pytest_asyncio.fixture
async def route(events_client: EventBridgeClient, sqs_client: SQSClient) -> Route:
    return await make_route(
        events_client,
        sqs_client,
        {
            "source": ["ingestion"],
            "detail-type": ["file_ingested_successfully"],
            "detail": {"data": {"kind": ["csv"]}},
        },
    )
