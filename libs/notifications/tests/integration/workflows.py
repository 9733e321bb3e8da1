"""A workflow that notifies through the contracts' helper (the activity called by name)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from workflow_contracts import NotificationReceipt, send_notification


@workflow.defn
class NotifyWorkflow:
    """Sends one notification; retries quickly so the tests stay short."""

    @workflow.run
    async def run(
        self, topic_arn: str, message: str, group_id: str | None = None
    ) -> NotificationReceipt:
        return await send_notification(
            topic_arn,
            "File failed",
            message,
            {"file_id": "f-1"},
            group_id,
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=1)
            ),
        )
