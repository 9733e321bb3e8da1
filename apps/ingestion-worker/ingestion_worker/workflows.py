"""`IngestFileWorkflow`: PROCESSING, ingest, then COMPLETED + event or FAILED + event.

Light: the module imports `workflow_contracts` and the app's `facts` (standard library only),
never the activities' libraries; every activity is called by name. The ingestion activity's
call options (name, timeout, retries) live beside it in `ingestion_worker.activities`, which
imports the shared activities: the workflow reads them when it calls the activity, through a
pass-through of that one module, so the sandbox never imports aioboto3 or SQLAlchemy.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.exceptions import ActivityError, NexusOperationError
from workflow_contracts import (
    ActivityMode,
    FileStageResult,
    FileStatus,
    StageTimeouts,
    call_activity,
    describe_failure,
    run_file_stage,
    send_notification,
)

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


async def _ingest_file(file_id: UUID, mode: ActivityMode) -> FileFacts:
    # The host's module, read at call time: its options are the ones the worker runs with.
    # Imported by its full name, so that the sandbox passes this one module through (a
    # ``from package import module`` would run a fresh copy of it inside the sandbox).
    with workflow.unsafe.imports_passed_through():
        import ingestion_worker.activities as activities
    return await call_activity(
        activities.INGEST_FILE_ACTIVITY,
        file_id,
        result_type=FileFacts,
        mode=mode,
        start_to_close_timeout=activities.INGEST_FILE_START_TO_CLOSE,
        retry_policy=activities.INGEST_FILE_RETRY_POLICY,
        heartbeat_timeout=activities.INGEST_FILE_HEARTBEAT_TIMEOUT,
    )


async def _notify_failure(
    topic_arn: str,
    file_id: UUID,
    stage: FileStageResult[FileFacts],
    mode: ActivityMode,
    timeouts: StageTimeouts | None,
    shared_endpoint: str | None,
) -> None:
    # After the FAILED status and its event: the notification tells people, the event tells
    # systems. A missing topic or permission makes it wait for the operator (retried like
    # events); a notification SNS refuses for good is logged and does not change the outcome.
    message = (
        f"Ingestion of file {file_id} failed: {stage.error_type}: {stage.error_message}"
        f" (failure event {stage.event_id})"
    )
    try:
        await send_notification(
            topic_arn,
            "Ingestion failed",
            message,
            {"file_id": str(file_id), "error_type": stage.error_type or "Unknown"},
            mode=mode,
            start_to_close_timeout=timeouts.start_to_close if timeouts else None,
            schedule_to_close_timeout=timeouts.schedule_to_close if timeouts else None,
            nexus_endpoint=shared_endpoint,
        )
    except (ActivityError, NexusOperationError) as err:
        error_type, reason = describe_failure(err)
        workflow.logger.warning("failure notification not sent: %s: %s", error_type, reason)


# AUTO_UPGRADE: a run is a short file stage, but it can wait long on a retry the operator
# fixes (the schema not migrated, the bus or the SNS topic missing). Pinned, such a run would
# keep the old version's workers needed until it ends, and a fix shipped in the next release
# would not reach it; auto-upgraded, it moves to the current version at its next task, and
# the old workers retire once set-current is done. The price: the next release's code must
# replay its histories, which the replay corpus (tests/replay/histories/<version>/) checks in
# CI for every released version (a change it refuses goes behind workflow.patched).
# Declared as the app's `versioning_behavior` (worker.py), not in @workflow.defn: a workflow
# that names a behaviour itself cannot run on an unversioned worker (the server refuses its
# task completions), and the app also runs unversioned (<PREFIX>WORKER_VERSIONING=false).
@workflow.defn
class IngestFileWorkflow:
    """Ingests one registered file."""

    @staticmethod
    def start_args(
        file_id: UUID,
        mode: ActivityMode | str | None = None,
        timeouts: StageTimeouts | None = None,
        notify_topic_arn: str | None = None,
        shared_endpoint: str | None = None,
    ) -> list[Any]:
        """The workflow's arguments for a start in ``mode`` (None: regular) with ``timeouts``.

        A regular start passes the file id alone, exactly as before the mode existed, so a
        worker that predates it still runs it during a rolling deploy. ``notify_topic_arn``
        (the SNS topic told when the file FAILS) and ``shared_endpoint`` (the Nexus endpoint
        of the shared operations) are passed only when set, for the same reason.
        """
        if shared_endpoint is not None:
            mode = ActivityMode(mode or ActivityMode.REGULAR)
            return [file_id, mode, timeouts, notify_topic_arn, shared_endpoint]
        if notify_topic_arn is not None:
            return [file_id, ActivityMode(mode or ActivityMode.REGULAR), timeouts, notify_topic_arn]
        if timeouts is not None:
            return [file_id, ActivityMode(mode or ActivityMode.REGULAR), timeouts]
        if mode is None or ActivityMode(mode) is ActivityMode.REGULAR:
            return [file_id]
        return [file_id, ActivityMode(mode)]

    @workflow.run
    async def run(
        self,
        file_id: UUID,
        mode: ActivityMode = ActivityMode.REGULAR,
        timeouts: StageTimeouts | None = None,
        notify_topic_arn: str | None = None,
        shared_endpoint: str | None = None,
    ) -> IngestionResult:
        """Moves the file through PROCESSING to COMPLETED (or FAILED) and emits the event.

        Args:
            file_id: The registered file.
            mode: Runs the whole stage (status changes, ingestion, event) as regular or as
                local activities.
            timeouts: Timeouts of the stage's shared-activity calls (None: the defaults).
            notify_topic_arn: SNS topic notified (``shared.send_notification``) when the file
                ends FAILED; None: no notification.
            shared_endpoint: The Nexus endpoint of the platform's shared operations: the
                stage's status changes, events and notification go through it (another
                namespace); None: the shared activities of this worker.
        """
        stage = await run_file_stage(
            file_id,
            SOURCE,
            lambda: _ingest_file(file_id, mode),
            completed_event=FILE_INGESTED,
            failed_event=FILE_INGESTION_FAILED,
            event_data=lambda facts: {
                "kind": facts.kind,
                "size": facts.size,
                "sha256": facts.sha256,
                "rows": facts.rows,
            },
            mode=mode,
            timeouts=timeouts,
            nexus_endpoint=shared_endpoint,
        )
        if stage.status is FileStatus.FAILED and notify_topic_arn is not None:
            await _notify_failure(notify_topic_arn, file_id, stage, mode, timeouts, shared_endpoint)
        return IngestionResult(
            file_id,
            stage.status,
            stage.value,
            stage.error_type,
            stage.error_message,
            stage.event_id,
        )
