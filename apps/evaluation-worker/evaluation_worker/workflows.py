"""`EvaluateFileWorkflow`: PROCESSING, evaluate, then COMPLETED + event or FAILED + event."""

from dataclasses import dataclass
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflow_shared_activities import FileStatus, run_file_stage

    import evaluation_worker.activities as activities
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
        stage = await run_file_stage(
            file_id,
            SOURCE,
            lambda: workflow.execute_activity_method(
                EvaluationActivities.evaluate_file,
                file_id,
                # Read at call time from the (passed-through) activities module.
                start_to_close_timeout=activities.EVALUATE_FILE_START_TO_CLOSE,
                retry_policy=activities.EVALUATE_FILE_RETRY_POLICY,
            ),
            completed_event=EVALUATION_COMPLETED,
            failed_event=EVALUATION_FAILED,
            event_data=lambda report: {
                "score": report.score,
                "passed": report.passed,
                "report": report,
            },
        )
        return EvaluationResult(
            file_id,
            stage.status,
            stage.value,
            stage.error_type,
            stage.error_message,
            stage.event_id,
        )
