"""A stage in each mode, regular and local, with light workflow code in the default sandbox.

Both modes keep the guarantees: one status change and one event id per call, whatever the
retries (a completion lost after the side effect, a back-off timer) and across a worker killed
mid-workflow (the local activities run again on the next worker, under the same ids).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Replayer,
    Worker,
)
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import (
    DATA_CONVERTER,
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    ActivityMode,
    FileStatus,
)
from workflow_devstack import MotoServer, PostgresDatabase, Route, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
)

from tests.conformance.mode_workflows import (
    LocalBackoffWorkflow,
    ModeStageWorkflow,
    PassThroughProbeWorkflow,
    stage_check,
)

S = FileStatus
SHARED = (SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY)
MODES = [pytest.param(m, id=m.value) for m in ActivityMode]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class CallLog(Interceptor):
    """A user's interceptor: logs each shared-activity attempt; optionally loses the first
    completion of each (the side effect is done, the result never reaches the workflow)."""

    lose_first: bool = False
    calls: list[tuple[str, str, int, bool]] = field(default_factory=list)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        log = self

        class Intercept(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                result = await super().execute_activity(input)
                info = activity.info()
                if info.activity_type in SHARED:
                    log.calls.append(
                        (info.activity_type, info.activity_id, info.attempt, info.is_local)
                    )
                    if log.lose_first and info.attempt == 1:
                        raise RuntimeError("the completion was lost on the way")
                return result

        return Intercept(next)

    def attempts(self, name: str) -> dict[str, list[int]]:
        """Attempts of each execution (activity id) of ``name``."""
        out: dict[str, list[int]] = {}
        for kind, activity_id, attempt, _ in self.calls:
            if kind == name:
                out.setdefault(activity_id, []).append(attempt)
        return out


@asynccontextmanager
async def running_worker(
    temporal_env: WorkflowEnvironment,
    moto: MotoServer,
    route: Route,
    database_url: str,
    queue: str,
    *,
    interceptors: list[Interceptor] | None = None,
    workflows: list[type] | None = None,
) -> AsyncIterator[WorkerResources]:
    plugin = SharedActivitiesPlugin(
        SharedActivitiesConfig(
            events=EventSettings(bus_name=route.bus_name),
            file_status=FileStatusSettings(
                database_url=database_url, migrate=database_url.startswith("postgresql")
            ),
            aws_region=moto.region,
            aws_endpoint_url=moto.endpoint_url,
        ),
        extra_activities=lambda _: [stage_check],
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    # No workflow_runner: the default sandbox, nothing of ours passed through.
    async with Worker(
        client,
        task_queue=queue,
        workflows=workflows or [ModeStageWorkflow],
        interceptors=interceptors or [],
    ) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 20)
        yield resources


@pytest_asyncio.fixture
async def route(events_client: EventBridgeClient, sqs_client: SQSClient) -> Route:
    return await make_route(events_client, sqs_client, {"source": ["tests"]})


@pytest_asyncio.fixture
async def sqlite_url(tmp_path: Path) -> str:
    db = tmp_path / "modes.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    return f"sqlite:///{db}"


async def history_event_types(handle: WorkflowHandle[Any, Any]) -> list[int]:
    return [e.event_type for e in (await handle.fetch_history()).events]


def assert_identical(details: list[dict[str, Any]], *, but_time: bool = False) -> None:
    """Every send of one event carries the same detail, ``time`` included unless told."""
    first, *others = details
    for other in others:
        if but_time:
            assert {**other, "time": None} == {**first, "time": None}
        else:
            assert other == first


@pytest.mark.parametrize("mode", MODES)
async def test_a_stage_completes_in_each_mode_with_no_heavy_module_in_the_sandbox(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    route: Route,
    sqlite_url: str,
    mode: ActivityMode,
) -> None:
    queue = f"modes-{uuid.uuid4()}"
    async with running_worker(temporal_env, moto_server, route, sqlite_url, queue) as resources:
        file = await resources[FILE_STATUS].register_file(FileCreate(name="m.csv", uri="/m.csv"))
        handle = await temporal_env.client.start_workflow(
            ModeStageWorkflow.run, args=[file.id, mode], id=f"mode-{file.id}", task_queue=queue
        )
        result = await asyncio.wait_for(handle.result(), 30)
        history = await resources[FILE_STATUS].get_history(file.id)
    # The workflow ran in the default sandbox and loaded none of the activities' libraries.
    assert result["heavy"] == [] and result["contracts_loaded"] is True
    assert result["status"] == "COMPLETED" and result["value"] == {"checked": str(file.id)}
    assert [(h.from_status, h.to_status, h.attempt) for h in history] == [
        (S.PENDING, S.PROCESSING, 1),
        (S.PROCESSING, S.COMPLETED, 1),
    ]
    [event] = await route.receive(expected=1)
    assert event["detail-type"] == "stage_completed"
    assert event["detail"]["id"] == result["event_id"]
    assert event["detail"]["data"] == {"file_id": str(file.id), "checked": str(file.id)}
    # The mode is real: four activity tasks through the server, or four local markers.
    types = await history_event_types(handle)
    scheduled = types.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    markers = types.count(EventType.EVENT_TYPE_MARKER_RECORDED)
    assert (scheduled, markers) == ((4, 0) if mode is ActivityMode.REGULAR else (0, 4))
    local = mode is ActivityMode.LOCAL
    assert all(h.activity_id.startswith("local-") is local for h in history if h.activity_id)


async def test_the_sandbox_probe_sees_a_passed_through_umbrella(
    temporal_env: WorkflowEnvironment,
) -> None:
    """The control of the test above: the probe does see our heavy modules when they are there."""
    queue = f"probe-{uuid.uuid4()}"
    async with Worker(temporal_env.client, task_queue=queue, workflows=[PassThroughProbeWorkflow]):
        heavy = await temporal_env.client.execute_workflow(
            PassThroughProbeWorkflow.run, id=f"probe-{uuid.uuid4()}", task_queue=queue
        )
    assert "workflow_shared_activities" in heavy


@pytest.mark.parametrize("mode", MODES)
async def test_lost_completions_are_retried_with_one_change_and_one_event_id_per_call(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    postgres_database: PostgresDatabase,
    route: Route,
    mode: ActivityMode,
) -> None:
    log = CallLog(lose_first=True)
    queue = f"lossy-{uuid.uuid4()}"
    async with running_worker(
        temporal_env,
        moto_server,
        route,
        postgres_database.sqlalchemy_url,
        queue,
        interceptors=[log],
    ) as resources:
        file = await resources[FILE_STATUS].register_file(FileCreate(name="l.csv", uri="/l.csv"))
        result = await asyncio.wait_for(
            temporal_env.client.execute_workflow(
                ModeStageWorkflow.run, args=[file.id, mode], id=f"lossy-{file.id}", task_queue=queue
            ),
            60,
        )
        history = await resources[FILE_STATUS].get_history(file.id)
    assert result["status"] == "COMPLETED" and result["heavy"] == []
    # Every shared call committed or published on attempt 1, lost its result, and was retried
    # once under the same activity id; the retry returned what attempt 1 had committed.
    assert {c[3] for c in log.calls} == {mode is ActivityMode.LOCAL}
    status_calls = log.attempts(UPDATE_FILE_STATUS_ACTIVITY)
    assert list(status_calls.values()) == [[1, 2], [1, 2]]
    assert [(h.to_status, h.attempt) for h in history] == [(S.PROCESSING, 1), (S.COMPLETED, 1)]
    assert [h.activity_id for h in history] == list(status_calls)
    [event_calls] = log.attempts(SEND_EVENT_ACTIVITY).values()
    assert event_calls == [1, 2]
    # Two deliveries of one event: the same id and byte-identical detail (time included).
    events = await route.receive(expected=2)
    assert [e["detail"]["id"] for e in events] == [result["event_id"]] * 2
    assert events[0]["detail"] == events[1]["detail"]
    assert await route.depth() == 0


async def test_local_retries_after_a_back_off_timer_keep_their_ids(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    route: Route,
    sqlite_url: str,
) -> None:
    """A back-off above ``local_retry_threshold`` is a timer, then a new local activity: the
    explicit activity id keeps its execution id (the SDK's default, the sequence number,
    would change and the retry would see its own change as someone else's)."""
    log = CallLog(lose_first=True)
    queue = f"backoff-{uuid.uuid4()}"
    async with running_worker(
        temporal_env,
        moto_server,
        route,
        sqlite_url,
        queue,
        interceptors=[log],
        workflows=[LocalBackoffWorkflow],
    ) as resources:
        file = await resources[FILE_STATUS].register_file(FileCreate(name="b.csv", uri="/b.csv"))
        handle = await temporal_env.client.start_workflow(
            LocalBackoffWorkflow.run, file.id, id=f"backoff-{file.id}", task_queue=queue
        )
        result = await asyncio.wait_for(handle.result(), 30)
        history = await resources[FILE_STATUS].get_history(file.id)
    types = await history_event_types(handle)
    assert types.count(EventType.EVENT_TYPE_TIMER_STARTED) == 2  # both retries came by timer
    assert list(log.attempts(UPDATE_FILE_STATUS_ACTIVITY).values()) == [[1, 2]]
    assert list(log.attempts(SEND_EVENT_ACTIVITY).values()) == [[1, 2]]
    change = result["change"]
    assert (change["current"], change["changed"], change["version"]) == ("PROCESSING", True, 2)
    assert [(h.to_status, h.attempt) for h in history] == [(S.PROCESSING, 1)]
    events = await route.receive(expected=2)
    assert [e["detail"]["id"] for e in events] == [result["event_id"]] * 2
    assert_identical([e["detail"] for e in events])


async def _read_line(stream: asyncio.StreamReader, prefix: str, seen: list[str]) -> str:
    while True:
        line = (await stream.readline()).decode().strip()
        if not line:
            raise AssertionError(f"the worker process ended before {prefix!r}: {seen}")
        seen.append(line)
        if line.startswith(prefix):
            return line


async def test_a_local_stage_keeps_its_ids_when_its_worker_is_killed_and_replaced(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    route: Route,
    sqlite_url: str,
    tmp_path: Path,
) -> None:
    queue = f"crash-{uuid.uuid4()}"
    target = temporal_env.client.service_client.config.target_host
    config = {
        "target": target,
        "queue": queue,
        "database_url": sqlite_url,
        "bus_name": route.bus_name,
        "region": moto_server.region,
        "endpoint_url": moto_server.endpoint_url,
    }
    stderr_path = tmp_path / "crash_worker.err"
    stderr = stderr_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.conformance.crash_worker",
        json.dumps(config),
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        ready = await asyncio.wait_for(_read_line(process.stdout, "READY", lines), 60)
        file_id = uuid.UUID(ready.split()[1])
        handle = await temporal_env.client.start_workflow(
            ModeStageWorkflow.run,
            args=[file_id, ActivityMode.LOCAL],
            id=f"crash-{file_id}",
            task_queue=queue,
            task_timeout=timedelta(seconds=2),  # the dead worker's task times out quickly
        )
        await asyncio.wait_for(_read_line(process.stdout, f"RAN {SEND_EVENT_ACTIVITY}", lines), 30)
    except (AssertionError, TimeoutError):
        stderr.flush()
        pytest.fail(f"worker process: {lines}\n{stderr_path.read_text()[-3000:]}")
    finally:
        process.kill()  # SIGKILL: no shutdown, no completion of the hanging activity
        await process.wait()
        stderr.close()
    first_run = [line.split()[1:] for line in lines if line.startswith("RAN ")]
    # A new worker takes the workflow over, replays it and runs what was not recorded.
    log = CallLog()
    async with running_worker(
        temporal_env, moto_server, route, sqlite_url, queue, interceptors=[log]
    ) as resources:
        result = await asyncio.wait_for(handle.result(), 60)
        history = await resources[FILE_STATUS].get_history(file_id)
    assert result["status"] == "COMPLETED" and result["heavy"] == []
    # Everything the new worker ran, it ran under an id the killed one had used: the ids come
    # from the history, not from the worker. The event was published again under its id.
    first_ids = {activity_id for _, activity_id, _, _ in first_run}
    assert all(activity_id in first_ids for _, activity_id, _, _ in log.calls)
    [sent_first] = [a for kind, a, _, _ in first_run if kind == SEND_EVENT_ACTIVITY]
    assert [a for kind, a, _, _ in log.calls if kind == SEND_EVENT_ACTIVITY] == [sent_first]
    # One status change per call, whatever ran twice.
    assert [h.to_status for h in history] == [S.PROCESSING, S.COMPLETED]
    assert all(h.activity_id and h.activity_id in first_ids for h in history)
    # The whole history replays with no non-determinism.
    replay = await Replayer(
        workflows=[ModeStageWorkflow], data_converter=DATA_CONVERTER
    ).replay_workflow(await handle.fetch_history())
    assert replay.replay_failure is None
    # Two deliveries of one event, one id; the detail differs at most in `time` (known gap).
    events = await route.receive(expected=2)
    assert [e["detail"]["id"] for e in events] == [result["event_id"]] * 2
    assert await route.depth() == 0
    # The dead worker never completed the workflow task that ran the local activity, so the
    # new worker runs that task anew, with a new workflow.now(): same id and data, and the
    # one documented difference, Time (consumers deduplicate by detail.id).
    assert_identical([e["detail"] for e in events], but_time=True)
