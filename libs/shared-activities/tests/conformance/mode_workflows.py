"""Stage workflows in either mode, light: they import `workflow_contracts` only, no pass-through.

Each reports the heavy modules its own sandbox holds (`heavy_modules`), read inside the
sandbox, where ``sys.modules`` is the workflow's own.
"""

import sys
from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
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

HEAVY_MODULES = frozenset(
    {
        "aioboto3",
        "aiobotocore",
        "boto3",
        "botocore",
        "sqlalchemy",
        "sqlmodel",
        "asyncpg",
        "aiosqlite",
        "workflow_events",
        "workflow_file_status",
        "workflow_shared_activities",
    }
)
"""The activities' libraries and ours that hold them: none may load in a workflow's sandbox."""

STAGE_CHECK = "tests.stage_check"


def heavy_modules() -> list[str]:
    """The heavy modules in the running workflow's ``sys.modules`` (its sandbox's)."""
    return sorted(m for m in sys.modules if m.partition(".")[0] in HEAVY_MODULES)


@activity.defn(name=STAGE_CHECK)
async def stage_check(file_id: str) -> dict[str, str]:
    """The stage's own work."""
    return {"checked": file_id}


@workflow.defn
class ModeStageWorkflow:
    """A whole stage in one mode: the shared calls and the stage's own activity."""

    @workflow.run
    async def run(self, file_id: UUID, mode: ActivityMode) -> dict[str, Any]:
        stage = await run_file_stage(
            file_id,
            "tests",
            lambda: call_activity(STAGE_CHECK, str(file_id), result_type=dict, mode=mode),
            completed_event="stage_completed",
            failed_event="stage_failed",
            event_data=lambda value: dict(value),
            mode=mode,
        )
        return {
            "status": stage.status.value,
            "event_id": stage.event_id,
            "value": stage.value,
            "heavy": heavy_modules(),
            "contracts_loaded": "workflow_contracts" in sys.modules,
        }


@workflow.defn
class LocalBackoffWorkflow:
    """Local calls whose retries come back after a back-off timer (threshold below the delay)."""

    @workflow.run
    async def run(self, file_id: UUID) -> dict[str, Any]:
        retry = RetryPolicy(initial_interval=timedelta(milliseconds=300), backoff_coefficient=1)
        options: dict[str, Any] = {
            "mode": ActivityMode.LOCAL,
            "retry_policy": retry,
            "local_retry_threshold": timedelta(milliseconds=100),
        }
        change = await call_activity(
            UPDATE_FILE_STATUS_ACTIVITY,
            file_id,
            FileStatus.PROCESSING,
            result_type=StatusChange,
            **options,
        )
        receipt = await call_activity(
            SEND_EVENT_ACTIVITY,
            "tests",
            "backed_off",
            {"file_id": str(file_id)},
            result_type=EventReceipt,
            **options,
        )
        return {"change": change, "event_id": receipt.event_id}


@workflow.defn
class PassThroughProbeWorkflow:
    """The control: a workflow that passes the umbrella through is seen by `heavy_modules`."""

    @workflow.run
    async def run(self) -> list[str]:
        with workflow.unsafe.imports_passed_through():
            import workflow_shared_activities  # noqa: F401

        return heavy_modules()
