"""`EvaluateFileWorkflow`: PROCESSING, evaluate, then COMPLETED + event or FAILED + event.

Light: the module imports `workflow_contracts` and the app's `metrics` (standard library
only), never the activities' libraries; every activity is called by name. The evaluation
activity's call options (name, timeout, retries) live beside it in
`evaluation_worker.activities`, which imports the shared activities: the workflow reads them
when it calls the activity, through a pass-through of that one module, so the sandbox never
imports aioboto3 or SQLAlchemy.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from temporalio import workflow
from workflow_contracts import (
    ActivityMode,
    FileStatus,
    StageTimeouts,
    call_activity,
    run_file_stage,
)

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


async def _evaluate_file(file_id: UUID, mode: ActivityMode) -> QualityReport:
    # The host's module, read at call time: its options are the ones the worker runs with.
    # Imported by its full name, so that the sandbox passes this one module through (a
    # ``from package import module`` would run a fresh copy of it inside the sandbox).
    with workflow.unsafe.imports_passed_through():
        import evaluation_worker.activities as activities
    return await call_activity(
        activities.EVALUATE_FILE_ACTIVITY,
        file_id,
        result_type=QualityReport,
        mode=mode,
        start_to_close_timeout=activities.EVALUATE_FILE_START_TO_CLOSE,
        retry_policy=activities.EVALUATE_FILE_RETRY_POLICY,
        heartbeat_timeout=activities.EVALUATE_FILE_HEARTBEAT_TIMEOUT,
    )


# AUTO_UPGRADE: like the ingestion, a short file stage that can wait long on a retry the
# operator fixes (the schema not migrated, the bus missing); and the event consumer starts
# evaluations all the time, so pinned runs would keep every old version's workers busy for
# as long as a retry waits. Auto-upgraded, a waiting run moves to the current version at its
# next task. The next release's code must replay its histories: the replay corpus
# (tests/replay/histories/<version>/) checks that in CI for every released version.
# Declared as the app's `versioning_behavior` (worker.py), not in @workflow.defn: a workflow
# that names a behaviour itself cannot run on an unversioned worker (the server refuses its
# task completions), and the app also runs unversioned (<PREFIX>WORKER_VERSIONING=false).
@workflow.defn
class EvaluateFileWorkflow:
    """Evaluates one ingested file."""

    @staticmethod
    def start_args(
        file_id: UUID,
        mode: ActivityMode | str | None = None,
        timeouts: StageTimeouts | None = None,
        shared_endpoint: str | None = None,
    ) -> list[Any]:
        """The workflow's arguments for a start in ``mode`` (None: regular) with ``timeouts``.

        A regular start passes the file id alone, exactly as before the mode existed, so a
        worker that predates it still runs it during a rolling deploy. ``shared_endpoint``
        (the Nexus endpoint of the shared operations) is passed only when set.
        """
        if shared_endpoint is not None:
            return [file_id, ActivityMode(mode or ActivityMode.REGULAR), timeouts, shared_endpoint]
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
        shared_endpoint: str | None = None,
    ) -> EvaluationResult:
        """Moves the file to PROCESSING, evaluates it, then COMPLETED (or FAILED) + event.

        Args:
            file_id: The ingested file.
            mode: Runs the whole stage (status changes, evaluation, event) as regular or as
                local activities.
            timeouts: Timeouts of the stage's shared-activity calls (None: the defaults).
            shared_endpoint: The Nexus endpoint of the platform's shared operations: the
                stage's status changes and events go through it (another namespace); None:
                the shared activities of this worker.
        """
        stage = await run_file_stage(
            file_id,
            SOURCE,
            lambda: _evaluate_file(file_id, mode),
            completed_event=EVALUATION_COMPLETED,
            failed_event=EVALUATION_FAILED,
            event_data=lambda report: {
                "score": report.score,
                "passed": report.passed,
                "report": report,
            },
            mode=mode,
            timeouts=timeouts,
            nexus_endpoint=shared_endpoint,
        )
        return EvaluationResult(
            file_id,
            stage.status,
            stage.value,
            stage.error_type,
            stage.error_message,
            stage.event_id,
        )
