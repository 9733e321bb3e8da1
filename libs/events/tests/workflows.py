"""Workflows calling SendEventActivity as users do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflow_contracts import SEND_EVENT_ACTIVITY, EventReceipt
    from workflow_events import SendEventActivity

FAST_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=5)


@workflow.defn
class NotifyIngestedWorkflow:
    @workflow.run
    async def run(self, file_id: str) -> EventReceipt:
        return await workflow.execute_activity(
            SendEventActivity.run,
            args=["ingestion", "file_ingested_successfully", {"file_id": file_id}],
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=FAST_RETRY,
        )


@workflow.defn
class NotifyByNameWorkflow:
    """Calls the activity by its name with plain JSON, as a workflow in another SDK would."""

    @workflow.run
    async def run(self, args: list[Any]) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            SEND_EVENT_ACTIVITY,
            args=args,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=FAST_RETRY,
            result_type=dict,
        )
        return result


@workflow.defn
class NotifyRejectedWorkflow:
    """Returns the failure it saw instead of failing."""

    @workflow.run
    async def run(self, source: str) -> dict[str, Any]:
        try:
            await workflow.execute_activity(
                SendEventActivity.run,
                args=[source, "file_ingested_successfully", {"file_id": "f"}],
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=FAST_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError)
            return {
                "type": cause.type,
                "non_retryable": cause.non_retryable,
                "message": cause.message,
            }
        return {}
