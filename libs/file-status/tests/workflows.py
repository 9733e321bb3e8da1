"""Workflows calling UpdateFileStatusActivity as users do."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflow_contracts import UPDATE_FILE_STATUS_ACTIVITY, FileStatus, StatusChange
    from workflow_file_status import UpdateFileStatusActivity

FAST_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=5)


@workflow.defn
class CompleteFileWorkflow:
    @workflow.run
    async def run(self, file_id: UUID) -> list[StatusChange]:
        changes = []
        for status in (FileStatus.PROCESSING, FileStatus.COMPLETED):
            changes.append(
                await workflow.execute_activity(
                    UpdateFileStatusActivity.run,
                    args=[file_id, status],
                    start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=FAST_RETRY,
                )
            )
        return changes


@workflow.defn
class StatusByNameWorkflow:
    @workflow.run
    async def run(self, file_id: str, status: str) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            UPDATE_FILE_STATUS_ACTIVITY,
            args=[file_id, status],
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=FAST_RETRY,
            result_type=dict,
        )
        return result


@workflow.defn
class IllegalStatusWorkflow:
    @workflow.run
    async def run(self, file_id: UUID) -> dict[str, Any]:
        try:
            await workflow.execute_activity(
                UpdateFileStatusActivity.run,
                args=[file_id, FileStatus.COMPLETED],
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=FAST_RETRY,
            )
        except ActivityError as err:
            assert isinstance(err.cause, ApplicationError)
            return {"type": err.cause.type, "details": list(err.cause.details)}
        return {}


@workflow.defn
class PatientStatusWorkflow:
    """Calls the activity by name with plain JSON, retrying until it succeeds."""

    @workflow.run
    async def run(self, file_id: str, status: str, start_to_close_seconds: float) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            UPDATE_FILE_STATUS_ACTIVITY,
            args=[file_id, status],
            start_to_close_timeout=timedelta(seconds=start_to_close_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100),
                backoff_coefficient=1.0,
                maximum_attempts=0,  # unlimited: the activity decides what is permanent
            ),
            result_type=dict,
        )
        return result


@workflow.defn
class RawArgumentsWorkflow:
    """Sends any JSON argument list by name; reports the error the activity answered."""

    @workflow.run
    async def run(self, args: list[Any], maximum_attempts: int) -> dict[str, Any]:
        try:
            result = await workflow.execute_activity(
                UPDATE_FILE_STATUS_ACTIVITY,
                args=args,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(
                    initial_interval=timedelta(milliseconds=50),
                    maximum_attempts=maximum_attempts,
                ),
                result_type=dict,
            )
        except ActivityError as err:
            assert isinstance(err.cause, ApplicationError)
            cause = err.cause
            return {
                "type": cause.type,
                "message": cause.message,
                "non_retryable": cause.non_retryable,
                "details": list(cause.details),
            }
        return {"result": result}


@workflow.defn
class StatusWithActivityIdWorkflow:
    """Calls the activity by name under a chosen activity id (any text the server accepts)."""

    @workflow.run
    async def run(self, file_id: str, status: str, activity_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            UPDATE_FILE_STATUS_ACTIVITY,
            args=[file_id, status],
            activity_id=activity_id,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100), maximum_attempts=3
            ),
            result_type=dict,
        )
        return result
