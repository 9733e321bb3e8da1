"""The workflow the Nexus benchmark times: status changes of one file, one after the other."""

from uuid import UUID

from temporalio import workflow
from workflow_contracts import FileStatus, set_file_status


@workflow.defn
class StatusLatencyWorkflow:
    """``calls`` status changes (PROCESSING and COMPLETED in turn); each one's latency (s).

    A call's latency is the time from the workflow task that scheduled it to the one that
    resumed with its result (``workflow.now()`` of each task): what a workflow waits.
    """

    @workflow.run
    async def run(self, file_id: UUID, calls: int, endpoint: str | None) -> list[float]:
        latencies: list[float] = []
        targets = [FileStatus.PROCESSING, FileStatus.COMPLETED]
        for i in range(calls):
            before = workflow.now()
            await set_file_status(file_id, targets[i % 2], nexus_endpoint=endpoint)
            latencies.append((workflow.now() - before).total_seconds())
        return latencies
