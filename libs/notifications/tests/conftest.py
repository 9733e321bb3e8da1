"""Fixtures on moto's server (from devstack): an SNS topic with an SQS queue subscribed."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest_asyncio
from types_aiobotocore_sns import SNSClient
from types_aiobotocore_sqs import SQSClient
from types_aiobotocore_sqs.literals import QueueAttributeNameType
from workflow_devstack import MotoServer
from workflow_notifications._sns import open_sns_client


@pytest_asyncio.fixture(scope="session")
async def sns_client(moto_server: MotoServer) -> AsyncIterator[SNSClient]:
    async with open_sns_client(
        region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@dataclass
class Subscribed:
    """A topic and the queue subscribed to it (SNS's JSON envelope in each message body)."""

    topic_arn: str
    queue_url: str
    sqs: SQSClient

    async def receive(self, expected: int, max_polls: int = 10) -> list[dict[str, Any]]:
        """Up to ``expected`` notifications (the SNS envelopes), polling at most ``max_polls``."""
        found: list[dict[str, Any]] = []
        for _ in range(max_polls):
            answer = await self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            for message in answer.get("Messages", []):
                found.append(json.loads(message["Body"]))
                await self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
            if len(found) >= expected:
                break
            await asyncio.sleep(0.2)
        return found


async def subscribe(
    sns: SNSClient, sqs: SQSClient, *, fifo: bool = False, name: str | None = None
) -> Subscribed:
    """Creates a topic (FIFO or standard) and a queue subscribed to it."""
    name = name or f"notify-{uuid.uuid4().hex[:12]}"
    suffix = ".fifo" if fifo else ""
    topic_attributes = {"FifoTopic": "true"} if fifo else {}
    topic = await sns.create_topic(Name=name + suffix, Attributes=topic_attributes)
    queue_attributes: dict[QueueAttributeNameType, str] = {"FifoQueue": "true"} if fifo else {}
    queue = await sqs.create_queue(QueueName=name + suffix, Attributes=queue_attributes)
    queue_arn = (
        await sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["QueueArn"])
    )["Attributes"]["QueueArn"]
    await sns.subscribe(TopicArn=topic["TopicArn"], Protocol="sqs", Endpoint=queue_arn)
    return Subscribed(topic["TopicArn"], queue["QueueUrl"], sqs)
