"""The stage the benchmark runs, and the activities it runs with (real or no-op).

Light like the apps' workflow modules: the workflow imports `workflow_contracts` only, so the
sandbox loads what an app's stage loads. `bench_work` is the stage's own (trivial) work; the
no-op activities answer under the shared activities' names and with their result types, so a
worker with them runs the very same workflow code with no database and no bus: the ceiling.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from temporalio import activity, workflow
from workflow_contracts import (
    SEND_EVENT_ACTIVITY,
    UPDATE_FILE_STATUS_ACTIVITY,
    ActivityMode,
    EventReceipt,
    FileStatus,
    StatusChange,
    call_activity,
    run_file_stage,
)

WORK_ACTIVITY = "bench.work"
SOURCE = "bench"

_PREVIOUS = {
    FileStatus.PROCESSING: FileStatus.PENDING,
    FileStatus.COMPLETED: FileStatus.PROCESSING,
    FileStatus.FAILED: FileStatus.PROCESSING,
}


@activity.defn(name=WORK_ACTIVITY)
async def bench_work(file_id: str) -> dict[str, Any]:
    """The stage's own work: trivial, so the stage measures the shared calls around it."""
    return {"rows": len(file_id)}


@activity.defn(name=UPDATE_FILE_STATUS_ACTIVITY)
async def noop_update_file_status(file_id: UUID, status: FileStatus) -> StatusChange:
    """Answers like `UpdateFileStatusActivity` (a change that applied), touching nothing."""
    return StatusChange(file_id, _PREVIOUS.get(status, status), status, True, 2)


@activity.defn(name=SEND_EVENT_ACTIVITY)
async def noop_send_event(
    source: str, event_type: str, data: dict[str, Any], time: datetime | None = None
) -> EventReceipt:
    """Answers like `SendEventActivity` (the local mode's optional time included), sends nothing."""
    info = activity.info()
    return EventReceipt(
        f"noop-{info.workflow_id}-{info.activity_id}",
        source,
        event_type,
        time or datetime.now(UTC),
        None,
    )


@workflow.defn
class BenchStageWorkflow:
    """One file stage, the way the apps run theirs, in the given mode."""

    @workflow.run
    async def run(self, file_id: UUID, mode: ActivityMode) -> str:
        """PROCESSING, the work, COMPLETED and the completed event (all in ``mode``)."""
        stage = await run_file_stage(
            file_id,
            SOURCE,
            lambda: call_activity(WORK_ACTIVITY, str(file_id), result_type=dict, mode=mode),
            completed_event="bench_completed",
            failed_event="bench_failed",
            event_data=lambda value: {"rows": value["rows"]},
            mode=mode,
        )
        return stage.status.value
