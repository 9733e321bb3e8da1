"""`run_file_stage` and the helpers in each mode, over fakes of the shared activities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError
from temporalio.common import Priority
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from workflow_contracts import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    LOCAL_RETRY_THRESHOLD,
    LOCAL_TIMEOUT,
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    ActivityMode,
)

from tests.workflows_calls import TENANT_PRIORITY, FakeShared, StageCallsWorkflow, work

MODES = [pytest.param(m, id=m.value) for m in ActivityMode]


@pytest_asyncio.fixture(scope="module")
async def stage(temporal_env: WorkflowEnvironment) -> AsyncIterator[tuple[FakeShared, str]]:
    fake = FakeShared()
    queue = f"calls-{uuid.uuid4()}"
    # The default sandbox: the workflow module imports workflow_contracts only.
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=[StageCallsWorkflow],
        activities=[fake.update, fake.send, work],
    ):
        yield fake, queue


async def run(
    temporal_env: WorkflowEnvironment,
    stage: tuple[FakeShared, str],
    mode: ActivityMode,
    *,
    status: str = "PENDING",
    refuse: str | None = None,
    fail: bool = False,
    variant: str = "",
) -> tuple[Any, list[tuple[str, str, tuple[Any, ...], bool]]]:
    fake, queue = stage
    file_id = uuid.uuid4()
    fake.status[str(file_id)] = status
    if refuse:
        fake.refuse[str(file_id)] = refuse
    start = len(fake.calls)
    try:
        result: Any = await temporal_env.client.execute_workflow(
            StageCallsWorkflow.run,
            args=[file_id, mode, fail, variant],
            id=f"calls-{file_id}",
            task_queue=queue,
        )
    except WorkflowFailureError as err:
        result = err.cause
    calls = fake.calls[start:]
    # Every call ran in the requested mode; local ones carry the explicit deterministic id.
    assert {is_local for *_, is_local in calls} <= {mode is ActivityMode.LOCAL}
    local = mode is ActivityMode.LOCAL
    assert all(activity_id.startswith("local-") is local for _, activity_id, _, _ in calls)
    assert len({activity_id for _, activity_id, _, _ in calls}) == len(calls)
    return result, calls


def kinds(calls: list[tuple[str, str, tuple[Any, ...], bool]]) -> list[str]:
    return [
        args[0] if name == UPDATE_FILE_STATUS_ACTIVITY else f"event:{args[0]}"
        for name, _, args, _ in calls
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_a_good_stage_completes_with_its_event(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    result, calls = await run(temporal_env, stage, mode)
    assert kinds(calls) == ["PROCESSING", "COMPLETED", "event:done"]
    [(_, event_activity_id, (_, data), _)] = [c for c in calls if c[0] == SEND_EVENT_ACTIVITY]
    assert result["status"] == "COMPLETED" and result["event_id"] == f"event-{event_activity_id}"
    assert data == {"file_id": data["file_id"], "read": data["file_id"]}


@pytest.mark.parametrize("mode", MODES)
async def test_failed_work_fails_the_file_with_its_event(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    result, calls = await run(temporal_env, stage, mode, fail=True)
    assert kinds(calls) == ["PROCESSING", "FAILED", "event:failed"]
    assert result["status"] == "FAILED" and result["error_type"] == "Broken"
    assert calls[-1][2][1]["error"] == {"type": "Broken", "message": "cannot read it"}


@pytest.mark.parametrize("mode", MODES)
async def test_a_file_processing_elsewhere_is_left_alone_with_a_failure_event(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    error, calls = await run(temporal_env, stage, mode, status="PROCESSING")
    assert kinds(calls) == ["PROCESSING", "event:failed"]
    assert isinstance(error, ApplicationError) and error.type == "FileAlreadyProcessing"
    assert calls[-1][2][1]["error"]["type"] == "FileAlreadyProcessing"


@pytest.mark.parametrize("mode", MODES)
async def test_a_refused_final_status_sends_the_failure_event_then_fails(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    error, calls = await run(temporal_env, stage, mode, refuse="COMPLETED")
    assert kinds(calls) == ["PROCESSING", "COMPLETED", "event:failed"]
    assert isinstance(error, ActivityError) and isinstance(error.cause, ApplicationError)
    assert error.cause.type == "InvalidStatusTransition"
    assert calls[-1][2][1]["error"]["type"] == "InvalidStatusTransition"


def test_the_default_options_of_each_mode() -> None:
    assert DEFAULT_RETRY.maximum_attempts == 0 and DEFAULT_RETRY.maximum_interval is not None
    assert LOCAL_TIMEOUT <= DEFAULT_TIMEOUT
    # Ordinary local retries stay inside the workflow task (their back-off is under the
    # threshold): one scheduled time, hence one event Time, for every attempt.
    assert DEFAULT_RETRY.maximum_interval <= LOCAL_RETRY_THRESHOLD


@pytest.mark.parametrize("mode", MODES)
async def test_a_result_that_cannot_be_published_fails_the_file_with_its_event(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    result, calls = await run(temporal_env, stage, mode, variant="huge")
    # Never COMPLETED without its event: the too-large event is found before the change.
    assert kinds(calls) == ["PROCESSING", "FAILED", "event:failed"]
    assert result["status"] == "FAILED" and result["error_type"] == "EventTooLarge"


async def test_an_event_that_can_never_be_sent_fails_the_stage_before_it_touches_the_file(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str]
) -> None:
    error, calls = await run(temporal_env, stage, ActivityMode.REGULAR, variant="reserved")
    assert calls == []  # no status change, no event
    assert isinstance(error, ApplicationError) and error.type == "InvalidEvent"
    assert "reserved" in error.message


@pytest.mark.parametrize("mode", MODES)
async def test_work_failing_in_workflow_code_fails_the_file_with_its_event(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str], mode: ActivityMode
) -> None:
    result, calls = await run(temporal_env, stage, mode, variant="raise")
    assert kinds(calls) == ["PROCESSING", "FAILED", "event:failed"]
    assert result["status"] == "FAILED" and result["error_type"] == "OwnStep"


async def test_a_stage_s_priority_is_on_every_activity_it_schedules(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str]
) -> None:
    fake, _ = stage
    result, calls = await run(temporal_env, stage, ActivityMode.REGULAR, variant="priority")
    assert result["status"] == "COMPLETED"
    assert kinds(calls) == ["PROCESSING", "COMPLETED", "event:done"]
    # What each activity ran with, as the activity sees it...
    assert [fake.priorities[activity_id] for _, activity_id, _, _ in calls] == [TENANT_PRIORITY] * 3
    # ...and what the server recorded when the stage scheduled it.
    handle = temporal_env.client.get_workflow_handle(f"calls-{result['value']['read']}")
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name: (
            e.activity_task_scheduled_event_attributes.priority
        )
        for e in (await handle.fetch_history()).events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    for name in (UPDATE_FILE_STATUS_ACTIVITY, SEND_EVENT_ACTIVITY):
        recorded = scheduled[name]
        assert (recorded.priority_key, recorded.fairness_key, recorded.fairness_weight) == (
            2,
            "tenant-a",
            1.5,
        )


async def test_without_a_priority_the_stage_schedules_the_default(
    temporal_env: WorkflowEnvironment, stage: tuple[FakeShared, str]
) -> None:
    fake, _ = stage
    result, calls = await run(temporal_env, stage, ActivityMode.REGULAR)
    assert result["status"] == "COMPLETED"
    assert {fake.priorities[activity_id] for _, activity_id, _, _ in calls} == {Priority.default}
