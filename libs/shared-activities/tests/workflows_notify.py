"""A workflow that calls the notification activity by name, once (the tests read the error)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflow_contracts import NotificationReceipt


@workflow.defn
class NotifyByNameWorkflow:
    @workflow.run
    async def run(self, name: str, topic_arn: str | None) -> NotificationReceipt:
        receipt: NotificationReceipt = await workflow.execute_activity(
            name,
            args=[topic_arn, "Plugin", "through the plugin"],
            result_type=NotificationReceipt,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=1),
        )
        return receipt
