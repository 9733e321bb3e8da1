"""Workflows using the shared activities through the light workflow-side helpers.

They import `workflow_contracts` only: the sandbox never loads the activities' libraries (the
plugin passes `workflow_contracts` itself through the sandbox).
"""

import asyncio
import sys
from datetime import timedelta
from uuid import UUID

from temporalio import activity, workflow
from workflow_contracts import (
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    EventReceipt,
    FileStatus,
    StatusChange,
    run_file_stage,
    send_event,
    set_file_status,
)

STARTED = asyncio.Event()
FINISHED: list[int] = []


@workflow.defn
class ProcessWorkflow:
    @workflow.run
    async def run(self, file_id: UUID) -> EventReceipt:
        await set_file_status(file_id, FileStatus.PROCESSING)
        await set_file_status(file_id, FileStatus.COMPLETED)
        return await send_event("tests", "processed", {"file_id": str(file_id)})


@activity.defn(name="tests.slow_step")
async def slow_step(seconds: float) -> str:
    STARTED.set()
    await asyncio.sleep(seconds)
    FINISHED.append(activity.info().attempt)
    return "slow done"


@activity.defn(name="tests.fast_step")
async def fast_step() -> str:
    return "fast done"


@workflow.defn
class TwoStepWorkflow:
    @workflow.run
    async def run(self, seconds: float) -> list[str]:
        first = await workflow.execute_activity(
            slow_step, seconds, start_to_close_timeout=timedelta(seconds=30)
        )
        second = await workflow.execute_activity(
            fast_step, start_to_close_timeout=timedelta(seconds=30)
        )
        return [first, second]


@workflow.defn
class RoutedWorkflow:
    """Runs the shared activities on another task queue (a workflow-only worker's view).

    By name: the workflow's worker needs neither the plugin nor the activities' libraries.
    """

    @workflow.run
    async def run(self, file_id: UUID, activity_queue: str) -> EventReceipt:
        await workflow.execute_activity(
            UPDATE_FILE_STATUS_ACTIVITY,
            args=[file_id, FileStatus.PROCESSING],
            result_type=StatusChange,
            task_queue=activity_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        receipt: EventReceipt = await workflow.execute_activity(
            SEND_EVENT_ACTIVITY,
            args=["tests", "routed", {"file_id": str(file_id)}],
            result_type=EventReceipt,
            task_queue=activity_queue,
            start_to_close_timeout=timedelta(seconds=30),
        )
        return receipt


STAGE_RELEASE = asyncio.Event()
STAGE_STARTED = asyncio.Event()


@activity.defn(name="tests.stage_work")
async def stage_work(file_id: str, hold: bool) -> dict[str, str]:
    """The stage's own work: optionally waits to be released (keeps the file PROCESSING)."""
    STAGE_STARTED.set()
    if hold:
        await STAGE_RELEASE.wait()
    return {"checked": file_id}


@workflow.defn
class StageWorkflow:
    """A stage as the apps run it, over `stage_work`."""

    @workflow.run
    async def run(self, file_id: UUID, hold: bool) -> str:
        stage = await run_file_stage(
            file_id,
            "tests",
            lambda: workflow.execute_activity(
                stage_work, args=[str(file_id), hold], start_to_close_timeout=timedelta(seconds=60)
            ),
            completed_event="stage_completed",
            failed_event="stage_failed",
            event_data=lambda value: dict(value),
        )
        return stage.status.value


@workflow.defn
class ContractsIdentityWorkflow:
    """Which module objects the sandbox gave this run (ids of the host's objects, if shared)."""

    @workflow.run
    async def run(self) -> dict[str, int]:
        return {name: id(sys.modules[name]) for name in ("workflow_contracts", "tests.workflows")}
