"""Conformance: ``shared.send_notification`` called by name with raw JSON through a real worker.

Every bad input gets its typed error on attempt 1 (read from the workflow history), names the
argument, and publishes nothing: the queues subscribed to the topics stay empty.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_sns import SNSClient
from types_aiobotocore_sqs import SQSClient
from workflow_activity_kit import WorkerScope
from workflow_contracts import SEND_NOTIFICATION_ACTIVITY
from workflow_devstack import MotoServer, activity_attempts
from workflow_notifications import (
    NotificationResource,
    SendNotificationActivity,
)

from tests.conformance.workflows import RawCallWorkflow
from tests.conftest import Subscribed, subscribe

Arg = tuple[str, bytes]
NULL: Arg = ("binary/null", b"")
STANDARD = "{standard}"  # replaced by the subscribed topics' ARNs
FIFO = "{fifo}"


def j(value: Any) -> Arg:
    return ("json/plain", json.dumps(value).encode())


def raw(data: bytes) -> Arg:
    return ("json/plain", data)


@dataclass(frozen=True)
class Case:
    id: str
    args: list[Arg]
    error: str
    names: str = ""
    non_retryable: bool = True


T, TF, S, M = j(STANDARD), j(FIFO), j("File failed"), j("body")
INVALID = "InvalidNotification"
CASES = [
    Case("topic-int", [j(1), S, M], INVALID, "topic_arn"),
    Case("topic-list", [j([STANDARD]), S, M], INVALID, "topic_arn"),
    Case("topic-not-arn", [j("alerts"), S, M], INVALID, "topic_arn"),
    Case("topic-sqs-arn", [j("arn:aws:sqs:us-east-1:123456789012:q"), S, M], INVALID, "topic_arn"),
    Case("topic-surrogate", [raw(b'"\\ud800"'), S, M], INVALID, "topic_arn"),
    Case("topic-invalid-utf8", [raw(b'"\xff"'), S, M], INVALID, "topic_arn"),
    Case("subject-101", [T, j("s" * 101), M], INVALID, "subject"),
    Case("subject-newline", [T, j("a\nb"), M], INVALID, "subject"),
    Case("subject-leading-space", [T, j(" a"), M], INVALID, "subject"),
    Case("subject-non-ascii", [T, j("café"), M], INVALID, "subject"),
    Case("subject-number", [T, j(1), M], INVALID, "subject"),
    Case("subject-not-json", [T, raw(b"{nope"), M], INVALID, "subject"),
    Case("message-null", [T, S, NULL], INVALID, "message"),
    Case("message-empty", [T, S, j("")], INVALID, "message"),
    Case("message-object", [T, S, j({"a": 1})], INVALID, "message"),
    Case("message-nul", [T, S, j("a\u0000b")], INVALID, "message"),
    Case("message-too-large", [T, S, j("x" * 262_144)], "NotificationTooLarge", "message"),
    Case("attributes-list", [T, S, M, j(["a"])], INVALID, "attributes"),
    Case("attribute-number", [T, S, M, j({"a": 1})], INVALID, "attributes.a"),
    Case("attribute-aws-prefix", [T, S, M, j({"AWS.x": "v"})], INVALID, "attributes"),
    Case("attribute-reserved", [T, S, M, j({"notification_id": "v"})], INVALID, "reserved"),
    Case(
        "attributes-too-many", [T, S, M, j({f"a{i}": "v" for i in range(10)})], INVALID, "at most"
    ),
    Case("fifo-without-group", [TF, S, M], INVALID, "group_id"),
    Case("fifo-group-null", [TF, S, M, NULL, NULL], INVALID, "group_id"),
    Case("fifo-group-too-long", [TF, S, M, NULL, j("g" * 129)], INVALID, "group_id"),
    Case("group-on-standard", [T, S, M, NULL, j("g")], INVALID, "group_id"),
    Case("two-arguments", [T, S], "InvalidArguments", "topic_arn, subject, message"),
    Case("no-arguments", [], "InvalidArguments", "topic_arn, subject, message"),
    Case("six-arguments", [T, S, M, NULL, NULL, j(1)], "UnsupportedArguments", "", False),
]


@dataclass
class Stack:
    client: Client
    task_queue: str
    standard: Subscribed
    fifo: Subscribed


@pytest_asyncio.fixture(scope="module")
async def stack(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    sns_client: SNSClient,
    sqs_client: SQSClient,
) -> AsyncIterator[Stack]:
    standard = await subscribe(sns_client, sqs_client)
    fifo = await subscribe(sns_client, sqs_client, fifo=True)
    client = await Client.connect(temporal_env.client.service_client.config.target_host)
    resource = NotificationResource()
    task_queue = f"conformance-{uuid.uuid4()}"
    async with (
        resource.open(
            WorkerScope(aws_region=moto_server.region, aws_endpoint_url=moto_server.endpoint_url)
        ),
        Worker(
            client,
            task_queue=task_queue,
            workflows=[RawCallWorkflow],
            activities=[SendNotificationActivity(resource).run],
        ),
    ):
        yield Stack(client, task_queue, standard, fifo)


async def run(
    stack: Stack, args: list[Arg], max_attempts: int
) -> tuple[dict[str, Any], WorkflowHandle[Any, Any]]:
    topics = {STANDARD: stack.standard.topic_arn, FIFO: stack.fifo.topic_arn}
    encoded = []
    for enc, data in args:
        for marker, arn in topics.items():
            data = data.replace(marker.encode(), arn.encode())
        encoded.append([enc, base64.b64encode(data).decode()])
    handle = await stack.client.start_workflow(
        RawCallWorkflow.run,
        args=[SEND_NOTIFICATION_ACTIVITY, encoded, max_attempts],
        id=f"conformance-{uuid.uuid4()}",
        task_queue=stack.task_queue,
    )
    return await handle.result(), handle


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
async def test_bad_input_fails_on_attempt_one_and_publishes_nothing(
    stack: Stack, case: Case
) -> None:
    outcome, handle = await run(stack, case.args, 2 if case.non_retryable else 1)
    assert outcome.get("type") == case.error, outcome
    assert outcome["non_retryable"] is case.non_retryable, outcome
    assert case.names in outcome["message"], outcome
    assert len(outcome["message"]) <= 500
    assert await activity_attempts(handle) == [1]


async def test_nothing_was_published_and_the_same_calls_well_formed_are(stack: Stack) -> None:
    # Runs after the cases (file order): only the two controls below reach the queues.
    for args in ([T, S, M], [TF, S, M, j({"k": "v"}), j("g")]):
        outcome, _ = await run(stack, args, 1)
        assert "ok" in outcome, outcome
    assert [e["Message"] for e in await stack.standard.receive(expected=2, max_polls=3)] == ["body"]
    assert [e["Message"] for e in await stack.fifo.receive(expected=2, max_polls=3)] == ["body"]


def test_the_suite_covers_at_least_twenty_five_bad_inputs() -> None:
    assert len(CASES) >= 25
