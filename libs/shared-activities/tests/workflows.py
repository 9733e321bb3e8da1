"""A workflow using the shared activities through the workflow-side helpers."""

import asyncio
from datetime import timedelta
from uuid import UUID

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from workflow_shared_activities import EventReceipt, FileStatus, send_event, set_file_status

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
