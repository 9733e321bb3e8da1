"""The evaluation app's own activity."""

import asyncio
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError
from workflow_contracts import UnknownFileError
from workflow_shared_activities import SharedResources

from evaluation_worker.metrics import NOT_EVALUABLE, QualityReport, evaluate_csv

__all__ = ["EVALUATE_FILE_ACTIVITY", "EvaluationActivities"]

EVALUATE_FILE_ACTIVITY = "evaluation.evaluate_file"


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, PermissionError, IsADirectoryError) as err:
        raise ApplicationError(
            f"cannot read {path}", type=NOT_EVALUABLE, non_retryable=True
        ) from err


class EvaluationActivities:
    """Activities of the evaluation worker, over the worker's shared resources."""

    def __init__(self, resources: SharedResources, *, threshold: float = 0.8) -> None:
        """Args: resources: The worker's database. threshold: Pass mark of the score."""
        self._resources = resources
        self._threshold = threshold

    @activity.defn(name=EVALUATE_FILE_ACTIVITY)
    async def evaluate_file(self, file_id: UUID) -> QualityReport:
        """Computes the quality report of a registered CSV file."""
        file = await self._resources.get_file(file_id)
        if file is None:
            raise UnknownFileError(f"file {file_id} is not registered")
        uri = file.uri.removeprefix("file://")
        if not uri.lower().endswith(".csv"):
            raise ApplicationError(
                f"{file.name} is not a CSV file", type=NOT_EVALUABLE, non_retryable=True
            )
        data = await asyncio.to_thread(_read, uri)
        return evaluate_csv(data, self._threshold)
