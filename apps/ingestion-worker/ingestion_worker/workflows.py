"""`IngestFileWorkflow`: PROCESSING, ingest, then COMPLETED + event or FAILED + event."""

from dataclasses import dataclass
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflow_shared_activities import FileStatus, run_file_stage

    import ingestion_worker.activities as activities
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
        stage = await run_file_stage(
            file_id,
            SOURCE,
            lambda: workflow.execute_activity_method(
                IngestionActivities.ingest_file,
                file_id,
                # Read at call time from the (passed-through) activities module.
                start_to_close_timeout=activities.INGEST_FILE_START_TO_CLOSE,
                retry_policy=activities.INGEST_FILE_RETRY_POLICY,
            ),
            completed_event=FILE_INGESTED,
            failed_event=FILE_INGESTION_FAILED,
            event_data=lambda facts: {
                "kind": facts.kind,
                "size": facts.size,
                "sha256": facts.sha256,
                "rows": facts.rows,
            },
        )
        return IngestionResult(
            file_id,
            stage.status,
            stage.value,
            stage.error_type,
            stage.error_message,
            stage.event_id,
        )
