"""The evaluation app's own activity, and how the workflow calls it.

Only a non-retryable error ends the stage: a file that is missing, unreadable or not CSV
raises one on its first attempt. Everything else (the database down, a dropped connection,
an I/O error, a worker killed mid-attempt) is retried without an attempt limit, so an
infrastructure outage of any length delays an evaluation but never fails it.
"""

import asyncio
from datetime import timedelta
from uuid import UUID

from temporalio import activity
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from workflow_activity_kit import heartbeating, retryable_error
from workflow_contracts.errors import UnknownFileError
from workflow_file_status import FileStatusResource

from evaluation_worker.metrics import NOT_EVALUABLE, QualityReport, evaluate_csv

__all__ = [
    "EVALUATE_FILE_ACTIVITY",
    "EVALUATE_FILE_HEARTBEAT_TIMEOUT",
    "EVALUATE_FILE_RETRY_POLICY",
    "EVALUATE_FILE_START_TO_CLOSE",
    "EvaluationActivities",
]

EVALUATE_FILE_ACTIVITY = "evaluation.evaluate_file"

EVALUATE_FILE_START_TO_CLOSE = timedelta(seconds=60)
"""Limit of one attempt: the work is one small read, so a killed worker's attempt is retried
after at most this long."""

EVALUATE_FILE_HEARTBEAT_TIMEOUT = timedelta(seconds=5)
"""An attempt whose worker stops heartbeating this long (killed) is retried at once."""

EVALUATE_FILE_RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=0,  # unlimited: only non-retryable errors end the stage
)
"""Retries of `EvaluationActivities.evaluate_file`: no attempt cap, at most 10 s apart."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, PermissionError, IsADirectoryError) as err:
        raise ApplicationError(
            f"cannot read {path}", type=NOT_EVALUABLE, non_retryable=True
        ) from err


class EvaluationActivities:
    """Activities of the evaluation worker, over the worker's file-status resource."""

    def __init__(self, files: FileStatusResource, *, threshold: float = 0.8) -> None:
        """Args: files: The worker's file status. threshold: Pass mark of the score."""
        self._files = files
        self._threshold = threshold

    @activity.defn(name=EVALUATE_FILE_ACTIVITY)
    async def evaluate_file(self, file_id: UUID) -> QualityReport:
        """Computes the quality report of a registered CSV file.

        Raises:
            ApplicationError: As raised (``FileNotFound``, ``NotEvaluable`` non-retryable;
                ``DatabaseUnavailable``... retryable); any other exception as a retryable
                one with a short message.
        """
        try:
            file = await heartbeating(self._files.get_file(file_id))
            if file is None:
                raise UnknownFileError(f"file {file_id} is not registered")
            uri = file.uri.removeprefix("file://")
            if not uri.lower().endswith(".csv"):
                raise ApplicationError(
                    f"{file.name} is not a CSV file", type=NOT_EVALUABLE, non_retryable=True
                )
            data = await heartbeating(asyncio.to_thread(_read, uri))
            return evaluate_csv(data, self._threshold)
        except ApplicationError:
            raise  # typed by whoever raised it, retryable or not: kept as it is
        except Exception as err:
            raise retryable_error(err) from err
