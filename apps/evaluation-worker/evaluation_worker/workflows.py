"""`EvaluateFileWorkflow`: PROCESSING, evaluate, then COMPLETED + event or FAILED + event."""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflow_shared_activities import (
        FileStatus,
        describe_failure,
        send_event,
        set_file_status,
    )

    from evaluation_worker.activities import EvaluationActivities
    from evaluation_worker.metrics import QualityReport

__all__ = [
    "EVALUATION_COMPLETED",
    "EVALUATION_FAILED",
    "SOURCE",
    "EvaluateFileWorkflow",
    "EvaluationResult",
]

SOURCE = "evaluation"
EVALUATION_COMPLETED = "evaluation_completed"
EVALUATION_FAILED = "evaluation_failed"


@dataclass(frozen=True)
class EvaluationResult:
    """The workflow's outcome."""

    file_id: UUID
    status: FileStatus
    report: QualityReport | None = None
    error_type: str | None = None
    error_message: str | None = None
    event_id: str | None = None


@workflow.defn
class EvaluateFileWorkflow:
    """Evaluates one ingested file."""

    @workflow.run
    async def run(self, file_id: UUID) -> EvaluationResult:
        """Moves the file to PROCESSING, evaluates it, then COMPLETED (or FAILED) + event."""
        await set_file_status(file_id, FileStatus.PROCESSING)
        try:
            report = await workflow.execute_activity_method(
                EvaluationActivities.evaluate_file,
                file_id,
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=RetryPolicy(
                    maximum_attempts=5, maximum_interval=timedelta(seconds=10)
                ),
            )
        except ActivityError as err:
            error_type, message = describe_failure(err)
            await set_file_status(file_id, FileStatus.FAILED)
            receipt = await send_event(
                SOURCE,
                EVALUATION_FAILED,
                {"file_id": str(file_id), "error": {"type": error_type, "message": message}},
            )
            return EvaluationResult(
                file_id, FileStatus.FAILED, None, error_type, message, receipt.event_id
            )
        await set_file_status(file_id, FileStatus.COMPLETED)
        receipt = await send_event(
            SOURCE,
            EVALUATION_COMPLETED,
            {
                "file_id": str(file_id),
                "score": report.score,
                "passed": report.passed,
                "report": report,
            },
        )
        return EvaluationResult(file_id, FileStatus.COMPLETED, report, event_id=receipt.event_id)
