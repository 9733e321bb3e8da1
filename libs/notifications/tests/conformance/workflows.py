"""A workflow that calls an activity by name with raw payloads, as another SDK would."""

import base64
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError


@workflow.defn
class RawCallWorkflow:
    """Calls ``name`` with one payload per ``(encoding, base64 data)`` pair; reports the outcome."""

    @workflow.run
    async def run(self, name: str, args: list[list[str]], max_attempts: int) -> dict[str, Any]:
        payloads = [
            RawValue(Payload(metadata={"encoding": enc.encode()}, data=base64.b64decode(data)))
            for enc, data in args
        ]
        try:
            result = await workflow.execute_activity(
                name,
                args=payloads,
                start_to_close_timeout=timedelta(seconds=20),
                retry_policy=RetryPolicy(
                    maximum_attempts=max_attempts, initial_interval=timedelta(milliseconds=200)
                ),
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                return {
                    "type": cause.type,
                    "non_retryable": cause.non_retryable,
                    "message": cause.message,
                }
            return {"type": type(cause).__name__, "non_retryable": None, "message": str(cause)}
        return {"ok": result}
