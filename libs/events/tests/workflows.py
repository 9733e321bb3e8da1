"""Workflows calling SendEventActivity as users do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, RetryPolicy
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
            return _failure(err)
        return {}


def _failure(err: ActivityError) -> dict[str, Any]:
    cause = err.cause
    assert isinstance(cause, ApplicationError)
    return {"type": cause.type, "non_retryable": cause.non_retryable, "message": cause.message}


@workflow.defn
class SendByNameWorkflow:
    """Calls the activity by name with plain JSON, retrying every 100 ms up to max_attempts
    (a long operator delay hint from the activity overrides that interval)."""

    @workflow.run
    async def run(self, args: list[Any], max_attempts: int) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_activity(
            SEND_EVENT_ACTIVITY,
            args=args,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=100),
                backoff_coefficient=1.0,
                maximum_attempts=max_attempts,
            ),
            result_type=dict,
        )
        return result


@workflow.defn
class SendRawWorkflow:
    """Puts each case's JSON texts on the wire as they are, as a workflow in another SDK can
    (lone surrogates, NaN, deep nesting), and returns what each call answered."""

    @workflow.run
    async def run(self, cases: list[list[str]]) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        for texts in cases:
            args = [
                RawValue(Payload(metadata={"encoding": b"json/plain"}, data=text.encode()))
                for text in texts
            ]
            try:
                result = await workflow.execute_activity(
                    SEND_EVENT_ACTIVITY,
                    args=args,
                    start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(milliseconds=100), maximum_attempts=3
                    ),
                    result_type=dict,
                )
                answers.append({"event_id": result["event_id"]})
            except ActivityError as err:
                answers.append(_failure(err))
        return answers
