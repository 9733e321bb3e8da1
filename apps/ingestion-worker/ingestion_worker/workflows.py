"""`IngestFileWorkflow`: PROCESSING, ingest, then COMPLETED + event or FAILED + event."""

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

    from ingestion_worker.activities import IngestionActivities
    from ingestion_worker.facts import FileFacts

__all__ = [
    "FILE_INGESTED",
    "FILE_INGESTION_FAILED",
    "SOURCE",
    "IngestFileWorkflow",
    "IngestionResult",
]

SOURCE = "ingestion"
FILE_INGESTED = "file_ingested_successfully"
FILE_INGESTION_FAILED = "file_ingestion_failed"


@dataclass(frozen=True)
class IngestionResult:
    """The workflow's outcome."""

    file_id: UUID
    status: FileStatus
    facts: FileFacts | None = None
    error_type: str | None = None
    error_message: str | None = None
    event_id: str | None = None


@workflow.defn
class IngestFileWorkflow:
    """Ingests one registered file."""

    @workflow.run
    async def run(self, file_id: UUID) -> IngestionResult:
        """Moves the file through PROCESSING to COMPLETED (or FAILED) and emits the event."""
        await set_file_status(file_id, FileStatus.PROCESSING)
        try:
            facts = await workflow.execute_activity_method(
                IngestionActivities.ingest_file,
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
                FILE_INGESTION_FAILED,
                {"file_id": str(file_id), "error": {"type": error_type, "message": message}},
            )
            return IngestionResult(
                file_id, FileStatus.FAILED, None, error_type, message, receipt.event_id
            )
        await set_file_status(file_id, FileStatus.COMPLETED)
        receipt = await send_event(
            SOURCE,
            FILE_INGESTED,
            {
                "file_id": str(file_id),
                "kind": facts.kind,
                "size": facts.size,
                "sha256": facts.sha256,
                "rows": facts.rows,
            },
        )
        return IngestionResult(file_id, FileStatus.COMPLETED, facts, event_id=receipt.event_id)
