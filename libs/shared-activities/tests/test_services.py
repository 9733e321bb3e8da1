"""Services run the shared activities standalone, once per business key, on the dev server."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from google.protobuf.duration_pb2 import Duration
from temporalio import activity
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
from temporalio.client import (
    ActivityFailureError,
    ActivityHandle,
    Client,
    OutboundInterceptor,
    StartActivityInput,
)
from temporalio.client import Interceptor as ClientInterceptor
from temporalio.exceptions import ActivityAlreadyStartedError, ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import (
    DATA_CONVERTER,
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    FileStatus,
)
from workflow_devstack import MotoServer, Route, free_port, make_route, temporal_cli_path
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
    change_file_status,
    connect_client,
    emit_event,
)
from workflow_shared_activities.services import (
    MAX_SERVICE_KEY_CHARS,
    VERBATIM_SERVICE_KEY_CHARS,
    ServiceKeyConflictError,
    service_activity_id,
)

# --- the activity id of a key ----------------------------------------------------------------


def test_a_short_printable_key_is_kept_in_the_activity_id() -> None:
    assert service_activity_id(SEND_EVENT_ACTIVITY, "order-42/ingested") == (
        "shared.send_event/order-42/ingested"
    )
    assert service_activity_id(UPDATE_FILE_STATUS_ACTIVITY, "é ü 1") == (
        "shared.update_file_status/é ü 1"
    )


def test_a_long_or_unprintable_key_is_hashed_and_never_meets_a_kept_one() -> None:
    long_key = "k" * (VERBATIM_SERVICE_KEY_CHARS + 1)
    hashed = service_activity_id(SEND_EVENT_ACTIVITY, long_key)
    assert hashed.startswith("shared.send_event#sha256:") and len(hashed) == 25 + 64
    assert service_activity_id(SEND_EVENT_ACTIVITY, long_key) == hashed  # stable
    assert service_activity_id(SEND_EVENT_ACTIVITY, long_key + "k") != hashed
    assert service_activity_id(SEND_EVENT_ACTIVITY, "a\nb").startswith("shared.send_event#")
    at_limit = "k" * VERBATIM_SERVICE_KEY_CHARS
    assert service_activity_id(SEND_EVENT_ACTIVITY, at_limit) == f"shared.send_event/{at_limit}"
    # A kept key that looks like a digest still has the "/" form: the forms never collide.
    digest = hashed.split("#", 1)[1]
    assert service_activity_id(SEND_EVENT_ACTIVITY, digest) == f"shared.send_event/{digest}"
    # One key for both activities: two ids.
    assert service_activity_id(SEND_EVENT_ACTIVITY, "k") != service_activity_id(
        UPDATE_FILE_STATUS_ACTIVITY, "k"
    )


@pytest.mark.parametrize(
    ("key", "error"),
    [
        ("", ValueError),
        ("x" * (MAX_SERVICE_KEY_CHARS + 1), ValueError),
        ("lone \ud800 surrogate", ValueError),
        (42, TypeError),
        (None, TypeError),
    ],
)
def test_a_key_that_is_not_a_business_key_is_refused(key: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        service_activity_id(SEND_EVENT_ACTIVITY, key)


@pytest.mark.parametrize("name", ["", "a/b", "a#b"])
def test_an_activity_name_that_could_collide_is_refused(name: str) -> None:
    with pytest.raises(ValueError):
        service_activity_id(name, "key")


# --- the dev server ----------------------------------------------------------------------------


@dataclass
class Recorder(Interceptor):
    """Worker side: every activity task run (id, run id, attempt); can hold an activity id."""

    runs: list[tuple[str, str | None, int]] = field(default_factory=list)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    entered: dict[str, asyncio.Event] = field(default_factory=dict)

    def hold(self, activity_id: str) -> tuple[asyncio.Event, asyncio.Event]:
        self.gates[activity_id] = asyncio.Event()
        self.entered[activity_id] = asyncio.Event()
        return self.entered[activity_id], self.gates[activity_id]

    def runs_of(self, activity_id: str) -> list[tuple[str | None, int]]:
        return [(run, attempt) for aid, run, attempt in self.runs if aid == activity_id]

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        recorder = self

        class Record(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                info = activity.info()
                recorder.runs.append((info.activity_id, info.activity_run_id, info.attempt))
                if info.activity_id in recorder.gates:
                    recorder.entered[info.activity_id].set()
                    await recorder.gates[info.activity_id].wait()
                return await super().execute_activity(input)

        return Record(next)


@dataclass
class Starts(ClientInterceptor):
    """Client side: what the server answered to each start (a new run, or the existing one)."""

    answers: list[tuple[str, str, str | None]] = field(default_factory=list)

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        starts = self

        class Record(OutboundInterceptor):
            async def start_activity(self, input: StartActivityInput) -> ActivityHandle[Any]:
                try:
                    handle = await super().start_activity(input)
                except ActivityAlreadyStartedError as err:
                    starts.answers.append((input.id, "already started", err.run_id))
                    raise
                starts.answers.append((input.id, "started", handle.run_id))
                return handle

        return Record(next)

    def of(self, activity_id: str) -> list[tuple[str, str | None]]:
        return [(what, run) for aid, what, run in self.answers if aid == activity_id]


@dataclass
class Stack:
    host: str
    client: Client  # the service's client (the contracts' converter), with `starts`
    worker_client: Client
    resources: WorkerResources
    bus_name: str
    task_queue: str
    recorder: Recorder
    starts: Starts
    events: EventBridgeClient
    sqs: SQSClient

    async def route(self) -> tuple[str, Route]:
        """A new event source and a queue that receives exactly its events."""
        source = f"svc-{uuid.uuid4().hex[:10]}"
        route = await make_route(
            self.events, self.sqs, {"source": [source]}, bus_name=self.bus_name
        )
        return source, route

    async def new_file(self) -> uuid.UUID:
        return (
            await self.resources[FILE_STATUS].register_file(FileCreate(name="f.csv", uri="/f.csv"))
        ).id


def plugin_for(bus_name: str, moto: MotoServer, db: Path) -> SharedActivitiesPlugin:
    return SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=bus_name),
            file_status=FileStatusSettings(database_url=f"sqlite:///{db}"),
            aws_region=moto.region,
            aws_endpoint_url=moto.endpoint_url,
        )
    )


@pytest_asyncio.fixture(scope="module")
async def stack(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    db = tmp_path_factory.mktemp("services") / "files.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    bus_name = f"bus-svc-{uuid.uuid4().hex[:8]}"
    await events_client.create_event_bus(Name=bus_name)
    host = temporal_env.client.service_client.config.target_host
    plugin = plugin_for(bus_name, moto_server, db)
    worker_client = await Client.connect(host, plugins=[plugin])
    recorder, starts = Recorder(), Starts()
    service_client = await Client.connect(
        host, data_converter=DATA_CONVERTER, interceptors=[starts]
    )
    task_queue = f"shared-{uuid.uuid4().hex[:8]}"
    worker = Worker(worker_client, task_queue=task_queue, interceptors=[recorder])
    async with worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        yield Stack(
            host,
            service_client,
            worker_client,
            resources,
            bus_name,
            task_queue,
            recorder,
            starts,
            events_client,
            sqs_client,
        )


async def test_the_dev_server_keeps_a_closed_activity_for_its_namespace_retention(
    temporal_env: WorkflowEnvironment,
) -> None:
    described = await temporal_env.client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace="default")
    )
    assert described.config.workflow_execution_retention_ttl.ToTimedelta() == timedelta(days=1)


async def test_a_retried_event_with_the_same_key_is_sent_once_with_the_same_receipt(
    stack: Stack,
) -> None:
    source, route = await stack.route()
    key = f"ingested/{uuid.uuid4()}"
    data = {"file_id": str(uuid.uuid4()), "rows": 3}

    async def emit(client: Client) -> Any:
        return await emit_event(
            client,
            source,
            "file_ingested_successfully",
            data,
            key=key,
            task_queue=stack.task_queue,
        )

    first = await emit(stack.client)
    again = await emit(stack.client)
    # Another instance of the service, on Temporal's default converter: the same request.
    plain = await emit(await Client.connect(stack.host))
    assert again == first and plain == first  # bus_event_id too: the stored result
    activity_id = service_activity_id(SEND_EVENT_ACTIVITY, key)
    assert [what for what, _ in stack.starts.of(activity_id)] == ["started", "already started"]
    assert len(stack.recorder.runs_of(activity_id)) == 1
    events = await route.receive(expected=2, max_polls=3)
    assert [e["detail"]["id"] for e in events] == [first.event_id]
    assert events[0]["detail"]["data"] == data
    assert events[0]["detail"]["context"]["activity_id"] == activity_id


async def test_a_retried_status_change_with_the_same_key_changes_once(stack: Stack) -> None:
    file_id = await stack.new_file()
    key = f"claim/{file_id}"
    first = await change_file_status(
        stack.client, file_id, FileStatus.PROCESSING, key=key, task_queue=stack.task_queue
    )
    again = await change_file_status(
        stack.client, str(file_id), "PROCESSING", key=key, task_queue=stack.task_queue
    )
    assert again == first
    assert (first.file_id, first.previous, first.current, first.changed, first.version) == (
        file_id,
        FileStatus.PENDING,
        FileStatus.PROCESSING,
        True,
        2,
    )
    history = await stack.resources[FILE_STATUS].get_history(file_id)
    activity_id = service_activity_id(UPDATE_FILE_STATUS_ACTIVITY, key)
    assert [(h.to_status, h.version, h.activity_id) for h in history] == [
        (FileStatus.PROCESSING, 2, activity_id)
    ]
    assert len(stack.recorder.runs_of(activity_id)) == 1


async def test_concurrent_calls_with_one_key_share_one_execution(stack: Stack) -> None:
    source, route = await stack.route()
    file_id = await stack.new_file()
    event_key, status_key = f"e/{uuid.uuid4()}", f"s/{uuid.uuid4()}"
    event_id = service_activity_id(SEND_EVENT_ACTIVITY, event_key)
    status_id = service_activity_id(UPDATE_FILE_STATUS_ACTIVITY, status_key)
    (event_running, event_gate), (status_running, status_gate) = (
        stack.recorder.hold(event_id),
        stack.recorder.hold(status_id),
    )

    def emit() -> asyncio.Task[Any]:
        return asyncio.create_task(
            emit_event(
                stack.client, source, "t", {"n": 1}, key=event_key, task_queue=stack.task_queue
            )
        )

    def change() -> asyncio.Task[Any]:
        return asyncio.create_task(
            change_file_status(
                stack.client,
                file_id,
                FileStatus.PROCESSING,
                key=status_key,
                task_queue=stack.task_queue,
            )
        )

    first_event, first_change = emit(), change()
    await asyncio.wait_for(asyncio.gather(event_running.wait(), status_running.wait()), 10)
    # Both executions are running (held): the duplicates arrive now.
    duplicates = [emit(), emit(), change(), change()]
    deadline = time.monotonic() + 10
    while len(stack.starts.of(event_id)) < 3 or len(stack.starts.of(status_id)) < 3:
        assert time.monotonic() < deadline, stack.starts.answers
        await asyncio.sleep(0.05)
    assert not any(t.done() for t in duplicates)  # waiting for the running execution
    event_gate.set()
    status_gate.set()
    receipts = await asyncio.gather(first_event, duplicates[0], duplicates[1])
    changes = await asyncio.gather(first_change, duplicates[2], duplicates[3])
    assert list(receipts[1:]) == [receipts[0]] * 2 and list(changes[1:]) == [changes[0]] * 2
    for activity_id in (event_id, status_id):
        answers = stack.starts.of(activity_id)
        run_id = answers[0][1]
        assert answers == [
            ("started", run_id),
            ("already started", run_id),
            ("already started", run_id),
        ]
        assert stack.recorder.runs_of(activity_id) == [(run_id, 1)]
    events = await route.receive(expected=2, max_polls=3)
    assert [e["detail"]["id"] for e in events] == [receipts[0].event_id]
    assert len(await stack.resources[FILE_STATUS].get_history(file_id)) == 1


async def test_two_keys_at_once_are_two_executions(stack: Stack) -> None:
    source, route = await stack.route()
    data = {"same": "data"}
    receipts = await asyncio.gather(
        *(
            emit_event(stack.client, source, "t", data, key=key, task_queue=stack.task_queue)
            for key in (f"a/{uuid.uuid4()}", f"b/{uuid.uuid4()}")
        )
    )
    assert receipts[0].event_id != receipts[1].event_id
    events = await route.receive(expected=3, max_polls=3)
    assert sorted(e["detail"]["id"] for e in events) == sorted(r.event_id for r in receipts)

    # Two changes of one file at once, each legal in either order: both apply.
    file_id = await stack.new_file()
    changes = await asyncio.gather(
        change_file_status(
            stack.client,
            file_id,
            FileStatus.PROCESSING,
            key=f"p/{file_id}",
            task_queue=stack.task_queue,
        ),
        change_file_status(
            stack.client,
            file_id,
            FileStatus.FAILED,
            key=f"f/{file_id}",
            task_queue=stack.task_queue,
        ),
    )
    assert all(c.changed for c in changes)
    assert sorted(c.version for c in changes) == [2, 3]
    history = await stack.resources[FILE_STATUS].get_history(file_id)
    assert sorted(h.version for h in history) == [2, 3]


async def test_a_failed_call_raises_the_typed_error_and_its_retry_does_not_run_again(
    stack: Stack,
) -> None:
    file_id = await stack.new_file()
    key = f"complete/{file_id}"
    activity_id = service_activity_id(UPDATE_FILE_STATUS_ACTIVITY, key)

    async def complete() -> ApplicationError:
        with pytest.raises(ActivityFailureError) as caught:
            await change_file_status(
                stack.client, file_id, FileStatus.COMPLETED, key=key, task_queue=stack.task_queue
            )
        assert isinstance(caught.value.cause, ApplicationError)
        return caught.value.cause

    error = await complete()  # PENDING -> COMPLETED is not allowed
    assert (error.type, error.non_retryable) == ("InvalidStatusTransition", True)
    assert "PENDING" in error.message and "COMPLETED" in error.message
    # The file moves on; the failed request, retried with its key, is not run again.
    await change_file_status(
        stack.client,
        file_id,
        FileStatus.PROCESSING,
        key=f"claim/{file_id}",
        task_queue=stack.task_queue,
    )
    again = await complete()
    assert (again.type, again.message, again.details) == (error.type, error.message, error.details)
    assert stack.recorder.runs_of(activity_id) == [(stack.starts.of(activity_id)[0][1], 1)]
    history = await stack.resources[FILE_STATUS].get_history(file_id)
    assert [h.to_status for h in history] == [FileStatus.PROCESSING]

    # An event refused for good: the same, typed InvalidEvent, once.
    event_key = f"bad/{uuid.uuid4()}"
    for _ in range(2):
        with pytest.raises(ActivityFailureError) as caught:
            await emit_event(
                stack.client, "aws.forbidden", "t", {}, key=event_key, task_queue=stack.task_queue
            )
        assert isinstance(caught.value.cause, ApplicationError)
        assert caught.value.cause.type == "InvalidEvent"
    assert len(stack.recorder.runs_of(service_activity_id(SEND_EVENT_ACTIVITY, event_key))) == 1


async def test_a_key_reused_for_another_request_is_refused(stack: Stack) -> None:
    source, route = await stack.route()
    key = f"k/{uuid.uuid4()}"
    first = await emit_event(
        stack.client, source, "t", {"n": 1}, key=key, task_queue=stack.task_queue
    )
    with pytest.raises(ServiceKeyConflictError) as caught:
        await emit_event(stack.client, source, "t", {"n": 2}, key=key, task_queue=stack.task_queue)
    assert caught.value.activity_id == service_activity_id(SEND_EVENT_ACTIVITY, key)
    assert '"n"' not in str(caught.value)  # the arguments are not in the message
    events = await route.receive(expected=2, max_polls=3)
    assert [e["detail"]["id"] for e in events] == [first.event_id]

    one, other = await stack.new_file(), await stack.new_file()
    await change_file_status(
        stack.client, one, FileStatus.PROCESSING, key=key, task_queue=stack.task_queue
    )
    with pytest.raises(ServiceKeyConflictError):
        await change_file_status(
            stack.client, other, FileStatus.PROCESSING, key=key, task_queue=stack.task_queue
        )
    assert await stack.resources[FILE_STATUS].get_history(other) == []


async def test_the_operator_cli_runs_the_activity_with_plain_json(stack: Stack) -> None:
    source, route = await stack.route()
    file_id = str(uuid.uuid4())
    key = f"cli/{file_id}"
    activity_id = service_activity_id(SEND_EVENT_ACTIVITY, key)
    command = [
        temporal_cli_path(),
        "activity",
        "execute",
        "--type",
        SEND_EVENT_ACTIVITY,
        "--activity-id",
        activity_id,
        "--task-queue",
        stack.task_queue,
        "--start-to-close-timeout",
        "30s",
        "--id-reuse-policy",
        "RejectDuplicate",
        "--id-conflict-policy",
        "Fail",
        "--input",
        json.dumps(source),
        "--input",
        '"file_ingested_successfully"',
        "--input",
        json.dumps({"file_id": file_id}),
        "--address",
        stack.host,
        "--namespace",
        "default",
        "--output",
        "json",
    ]
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    events = await route.receive(expected=1)
    assert len(events) == 1
    detail = events[0]["detail"]
    assert (events[0]["source"], events[0]["detail-type"]) == (source, "file_ingested_successfully")
    assert detail["data"] == {"file_id": file_id}
    assert detail["context"]["activity_id"] == activity_id
    assert detail["id"] in done.stdout  # the receipt, printed as JSON

    # A service retrying the operator's request with the key gets that receipt: no second event.
    receipt = await emit_event(
        stack.client,
        source,
        "file_ingested_successfully",
        {"file_id": file_id},
        key=key,
        task_queue=stack.task_queue,
    )
    assert receipt.event_id == detail["id"]
    # The operator running it again is refused by the server.
    again = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
    )
    assert again.returncode != 0
    assert "already started" in again.stderr
    # ... and reads the first run's receipt instead.
    result = await asyncio.to_thread(
        subprocess.run,
        [
            temporal_cli_path(),
            "activity",
            "result",
            "--activity-id",
            activity_id,
            "--address",
            stack.host,
            "--namespace",
            "default",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and detail["id"] in result.stdout, result.stderr
    assert len(stack.recorder.runs_of(activity_id)) == 1
    assert await route.receive(expected=1, max_polls=2) == []


async def test_after_the_retention_the_key_runs_again(
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    # A server of its own whose namespace keeps closed executions 2 s (plus up to 1 s jitter;
    # 30 min by default): the key's window is the namespace retention.
    env = await WorkflowEnvironment.start_local(
        ip="127.0.0.1",
        port=free_port(),
        dev_server_existing_path=temporal_cli_path(),
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value",
            'system.namespaceMinRetentionLocal="1s"',
            "--dynamic-config-value",
            'history.retentionTimerJitterDuration="1s"',
        ],
    )
    try:
        host = env.client.service_client.config.target_host
        await env.client.workflow_service.register_namespace(
            RegisterNamespaceRequest(
                namespace="short", workflow_execution_retention_period=Duration(seconds=2)
            )
        )
        source = f"svc-{uuid.uuid4().hex[:10]}"
        route = await make_route(events_client, sqs_client, {"source": [source]})
        db = tmp_path / "files.db"
        await asyncio.to_thread(upgrade, f"sqlite:///{db}")
        plugin = plugin_for(route.bus_name, moto_server, db)
        worker_client = await Client.connect(host, namespace="short", plugins=[plugin])
        client = await connect_client(host, namespace="short")
        async with Worker(worker_client, task_queue="shared"):
            key = f"k/{uuid.uuid4()}"

            async def emit() -> Any:
                return await emit_event(client, source, "t", {}, key=key, task_queue="shared")

            deadline = time.monotonic() + 20
            while True:  # a new namespace is usable once the server's cache has it
                started = time.monotonic()  # the execution closes after this
                try:
                    first = await emit()
                    break
                except RPCError:
                    assert started < deadline
                    await asyncio.sleep(0.2)
            assert await emit() == first  # within the retention: the same execution
            receipts = [first]
            while receipts[-1] == first:
                assert time.monotonic() - started < 30, "the closed activity was never deleted"
                await asyncio.sleep(0.5)
                receipts.append(await emit())
            assert time.monotonic() - started >= 2  # not before the retention
        events = await route.receive(expected=2)
        assert sorted(e["detail"]["id"] for e in events) == sorted(
            {first.event_id, receipts[-1].event_id}
        )
    finally:
        await env.shutdown()
