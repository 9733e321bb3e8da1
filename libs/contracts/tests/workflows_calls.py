"""A stage through the light helpers, over fake activities registered under the shared names.

The workflow imports `workflow_contracts` only; the fakes stand in for the real activities
(same names, same wire: arguments as JSON, typed results), so `run_file_stage` is checked in
both modes without a database or a bus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from temporalio import activity, workflow
from temporalio.common import Priority
from temporalio.exceptions import ApplicationError
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
from workflow_contracts.errors import InvalidStatusTransitionError

WORK = "contracts_test.work"
TENANT_PRIORITY = Priority(priority_key=2, fairness_key="tenant-a", fairness_weight=1.5)


@dataclass
class FakeShared:
    """The shared activities' behaviour per file: its status, the changes it refuses."""

    status: dict[str, str] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str, tuple[Any, ...], bool]] = field(default_factory=list)
    priorities: dict[str, Priority] = field(default_factory=dict)
    """The priority each activity id ran with, as its ``activity.info()`` showed it."""

    @activity.defn(name=UPDATE_FILE_STATUS_ACTIVITY)
    async def update(self, file_id: str, status: str) -> StatusChange:
        info = activity.info()
        self.priorities[info.activity_id] = info.priority
        self.calls.append((info.activity_type, info.activity_id, (status,), info.is_local))
        previous = self.status[file_id]
        if self.refuse.get(file_id) == status:
            raise InvalidStatusTransitionError(f"{previous} -> {status} refused")
        self.status[file_id] = status
        return StatusChange(
            UUID(file_id), FileStatus(previous), FileStatus(status), previous != status, 1
        )

    @activity.defn(name=SEND_EVENT_ACTIVITY)
    async def send(
        self, source: str, event_type: str, data: dict[str, Any], time: str | None = None
    ) -> EventReceipt:
        info = activity.info()
        # LOCAL mode passes the workflow's time; REGULAR leaves it to the activity.
        assert (time is not None) is info.is_local
        self.priorities[info.activity_id] = info.priority
        self.calls.append((info.activity_type, info.activity_id, (event_type, data), info.is_local))
        return EventReceipt(f"event-{info.activity_id}", source, event_type, datetime.now(UTC))


@activity.defn(name=WORK)
async def work(file_id: str, fail: bool) -> dict[str, str]:
    if fail:
        raise ApplicationError("cannot read it", type="Broken", non_retryable=True)
    return {"read": file_id}


@workflow.defn
class StageCallsWorkflow:
    @workflow.run
    async def run(
        self, file_id: UUID, mode: ActivityMode, fail: bool, variant: str = ""
    ) -> dict[str, Any]:
        async def work_in_workflow() -> dict[str, Any]:
            raise ApplicationError("the workflow's own step failed", type="OwnStep")

        stage = await run_file_stage(
            file_id,
            "aws.tests" if variant == "reserved" else "tests",
            work_in_workflow
            if variant == "raise"
            else lambda: call_activity(WORK, str(file_id), fail, result_type=dict, mode=mode),
            completed_event="done",
            failed_event="failed",
            event_data=lambda value: (
                {**value, "blob": "x" * 300_000} if variant == "huge" else dict(value)
            ),
            mode=mode,
            priority=TENANT_PRIORITY if variant == "priority" else None,
        )
        return {
            "status": stage.status.value,
            "value": stage.value,
            "error_type": stage.error_type,
            "event_id": stage.event_id,
        }
