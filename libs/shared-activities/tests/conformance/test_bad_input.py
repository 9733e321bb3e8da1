"""Conformance: both activities called by name with raw JSON payloads through a real worker.

Every bad input gets the documented typed error on attempt 1 (from the workflow history),
names the argument, and writes nothing: no status row changes, no event on the bus.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY, FileStatus
from workflow_devstack import MotoServer, PostgresDatabase, Route, activity_attempts, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
)

from tests.conformance.workflows import RawCallWorkflow

JSON = "json/plain"


def j(value: Any) -> tuple[str, bytes]:
    """A JSON argument as another SDK encodes it."""
    return (JSON, json.dumps(value, ensure_ascii=True).encode())


def raw(data: bytes, encoding: str = JSON) -> tuple[str, bytes]:
    return (encoding, data)


NULL = ("binary/null", b"")
SURROGATE = raw(b'"\\ud800"')
DEEP = raw(b'{"a":' * 100 + b"1" + b"}" * 100)
VERY_DEEP = raw(b"[" * 50_000 + b"]" * 50_000)
SRC, TYPE, DATA = j("ingestion"), j("file_ingested_successfully"), j({"file_id": "x"})


@dataclass(frozen=True)
class Case:
    id: str
    args: list[tuple[str, bytes]]
    error: str
    names: str = ""  # a word the message must contain (the argument)
    non_retryable: bool = True


EVENT_CASES = [
    Case("source-null", [NULL, TYPE, DATA], "InvalidEvent", "source"),
    Case("source-int", [j(1), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-bool", [j(True), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-list", [j(["a"]), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-object", [j({"a": 1}), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-empty", [j(""), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-reserved-aws", [j("aws.ec2"), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-too-long", [j("s" * 300), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-lone-surrogate", [SURROGATE, TYPE, DATA], "InvalidEvent", "source"),
    Case("source-invalid-utf8", [raw(b'"\xff\xfe"'), TYPE, DATA], "InvalidEvent", "source"),
    Case("source-not-json", [raw(b"{nope"), TYPE, DATA], "InvalidEvent", "source"),
    Case("event-type-null", [SRC, NULL, DATA], "InvalidEvent", "event_type"),
    Case("event-type-int", [SRC, j(7), DATA], "InvalidEvent", "event_type"),
    Case("event-type-empty", [SRC, j(""), DATA], "InvalidEvent", "event_type"),
    Case("event-type-too-long", [SRC, j("t" * 129), DATA], "InvalidEvent", "event_type"),
    Case("event-type-lone-surrogate", [SRC, SURROGATE, DATA], "InvalidEvent", "event_type"),
    Case("data-null", [SRC, TYPE, NULL], "InvalidEvent", "data"),
    Case("data-list", [SRC, TYPE, j([1, 2])], "InvalidEvent", "data"),
    Case("data-string", [SRC, TYPE, j("x")], "InvalidEvent", "data"),
    Case("data-number", [SRC, TYPE, j(3)], "InvalidEvent", "data"),
    Case("data-nan", [SRC, TYPE, raw(b'{"x": NaN}')], "InvalidEvent", "data"),
    Case("data-infinity", [SRC, TYPE, raw(b'{"x": Infinity}')], "InvalidEvent", "data"),
    Case("data-key-surrogate", [SRC, TYPE, raw(b'{"\\udc00": 1}')], "InvalidEvent", "data"),
    Case("data-value-surrogate", [SRC, TYPE, raw(b'{"a": ["\\ud800"]}')], "InvalidEvent", "data"),
    Case("data-too-deep", [SRC, TYPE, DEEP], "InvalidEvent", "data"),
    Case("data-far-too-deep", [SRC, TYPE, VERY_DEEP], "InvalidEvent", "data"),
    Case("data-unknown-encoding", [SRC, TYPE, raw(b"\x00", "binary/x")], "InvalidEvent", "data"),
    Case("data-too-large", [SRC, TYPE, j({"blob": "x" * 300_000})], "EventTooLarge"),
    Case("no-arguments", [], "InvalidArguments", "source, event_type, data"),
    Case("two-arguments", [SRC, TYPE], "InvalidArguments", "source, event_type, data"),
    Case("time-number", [SRC, TYPE, DATA, j(1)], "InvalidEvent", "time"),
    Case("time-not-a-date", [SRC, TYPE, DATA, j("yesterday")], "InvalidEvent", "time"),
    Case("time-naive", [SRC, TYPE, DATA, j("2026-01-31T12:00:00")], "InvalidEvent", "time"),
    Case("time-list", [SRC, TYPE, DATA, j(["2026-01-31T12:00:00Z"])], "InvalidEvent", "time"),
    Case("five-arguments", [SRC, TYPE, DATA, NULL, j(1)], "UnsupportedArguments", "", False),
]

GOOD_ID = "{good}"  # replaced by a registered PENDING file's id
STATUS_CASES = [
    Case("file-id-null", [NULL, j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-int", [j(12), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-list", [j([GOOD_ID]), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-object", [j({"id": 1}), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-not-uuid", [j("not-a-uuid"), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-empty", [j(""), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-surrogate", [SURROGATE, j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-invalid-utf8", [raw(b'"\xc3"'), j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("file-id-far-too-deep", [VERY_DEEP, j("PROCESSING")], "InvalidFileId", "file_id"),
    Case("status-lowercase", [j(GOOD_ID), j("processing")], "InvalidStatus", "status"),
    Case("status-unknown", [j(GOOD_ID), j("DONE")], "InvalidStatus", "status"),
    Case("status-null", [j(GOOD_ID), NULL], "InvalidStatus", "status"),
    Case("status-int", [j(GOOD_ID), j(2)], "InvalidStatus", "status"),
    Case("status-list", [j(GOOD_ID), j(["PROCESSING"])], "InvalidStatus", "status"),
    Case("status-empty", [j(GOOD_ID), j("")], "InvalidStatus", "status"),
    Case("status-surrogate", [j(GOOD_ID), SURROGATE], "InvalidStatus", "status"),
    Case("status-padded", [j(GOOD_ID), j(" PROCESSING")], "InvalidStatus", "status"),
    Case("unknown-file", [j(str(uuid.uuid4())), j("PROCESSING")], "FileNotFound"),
    Case("illegal-transition", [j(GOOD_ID), j("COMPLETED")], "InvalidStatusTransition", "PENDING"),
    Case("one-argument", [j(GOOD_ID)], "InvalidArguments", "file_id, status"),
    Case("three-arguments", [j(GOOD_ID), j("PROCESSING"), j(1)], "UnsupportedArguments", "", False),
]


@dataclass
class Stack:
    client: Client
    task_queue: str
    resources: WorkerResources
    route: Route


@pytest_asyncio.fixture(scope="module")
async def stack(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
) -> AsyncIterator[Stack]:
    # Every event put on the bus lands in this queue: nothing may arrive.
    route = await make_route(events_client, sqs_client, {"source": [{"prefix": ""}]})
    await asyncio.to_thread(upgrade, postgres_database.sqlalchemy_url)
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(database_url=postgres_database.sqlalchemy_url),
            aws_region=moto_server.region,
            aws_endpoint_url=moto_server.endpoint_url,
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    task_queue = f"conformance-{uuid.uuid4()}"
    async with Worker(client, task_queue=task_queue, workflows=[RawCallWorkflow]) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        yield Stack(client, task_queue, resources, route)


async def call(stack: Stack, name: str, case: Case, args: list[tuple[str, bytes]]) -> None:
    handle = await stack.client.start_workflow(
        RawCallWorkflow.run,
        args=[
            name,
            [[enc, base64.b64encode(data).decode()] for enc, data in args],
            2 if case.non_retryable else 1,
        ],
        id=f"conformance-{case.id}-{uuid.uuid4()}",
        task_queue=stack.task_queue,
    )
    outcome = await handle.result()
    assert "ok" not in outcome, f"{case.id}: accepted: {outcome}"
    assert outcome["type"] == case.error, outcome
    assert outcome["non_retryable"] is case.non_retryable, outcome
    assert case.names in outcome["message"], outcome
    assert len(outcome["message"]) <= 500
    assert await activity_attempts(handle) == [1], f"{case.id}: retried"


@pytest.mark.parametrize("case", EVENT_CASES, ids=lambda c: c.id)
async def test_send_event_rejects_bad_input_on_attempt_one(stack: Stack, case: Case) -> None:
    await call(stack, SEND_EVENT_ACTIVITY, case, case.args)


@pytest.mark.parametrize("case", STATUS_CASES, ids=lambda c: c.id)
async def test_update_file_status_rejects_bad_input_on_attempt_one(
    stack: Stack, case: Case
) -> None:
    file = await stack.resources[FILE_STATUS].register_file(FileCreate(name="c.csv", uri="/c.csv"))
    args = [(enc, data.replace(GOOD_ID.encode(), str(file.id).encode())) for enc, data in case.args]
    await call(stack, UPDATE_FILE_STATUS_ACTIVITY, case, args)
    after = await stack.resources[FILE_STATUS].get_file(file.id)
    assert after is not None
    assert (after.status, after.version) == (FileStatus.PENDING, 1)
    assert await stack.resources[FILE_STATUS].get_history(file.id) == []


async def test_the_same_calls_well_formed_are_accepted(stack: Stack) -> None:
    """The control: valid raw JSON through the same path works (so the cases above test input)."""
    file = await stack.resources[FILE_STATUS].register_file(
        FileCreate(name="ok.csv", uri="/ok.csv")
    )
    for name, args in [
        (UPDATE_FILE_STATUS_ACTIVITY, [j(str(file.id)), j("PROCESSING")]),
        (SEND_EVENT_ACTIVITY, [SRC, TYPE, j({"file_id": str(file.id)})]),
    ]:
        handle = await stack.client.start_workflow(
            RawCallWorkflow.run,
            args=[name, [[e, base64.b64encode(d).decode()] for e, d in args], 1],
            id=f"conformance-ok-{uuid.uuid4()}",
            task_queue=stack.task_queue,
        )
        outcome = await handle.result()
        assert "ok" in outcome, outcome
    events = await stack.route.receive(expected=1)
    assert [e["detail"]["data"]["file_id"] for e in events] == [str(file.id)]
    # Only the control's event reached the bus: none of the rejected calls sent anything.
    assert await stack.route.receive(expected=1, max_polls=2) == []


def test_the_suite_covers_at_least_forty_bad_inputs() -> None:
    assert len(EVENT_CASES) + len(STATUS_CASES) >= 40
