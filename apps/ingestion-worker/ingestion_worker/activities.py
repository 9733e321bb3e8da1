"""The ingestion app's own activity, and how the workflow calls it.

Only a non-retryable error ends the stage: a missing, unreadable or malformed file raises one
on its first attempt. Everything else (the database down, a dropped connection, an I/O
error of a network mount, a worker killed mid-attempt) is retried without an attempt limit,
so an infrastructure outage of any length delays a file but never fails it.
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

from ingestion_worker.facts import FileFacts, inspect_file

__all__ = [
    "INGEST_FILE_ACTIVITY",
    "INGEST_FILE_HEARTBEAT_TIMEOUT",
    "INGEST_FILE_RETRY_POLICY",
    "INGEST_FILE_START_TO_CLOSE",
    "IngestionActivities",
]

INGEST_FILE_ACTIVITY = "ingestion.ingest_file"

INGEST_FILE_START_TO_CLOSE = timedelta(seconds=60)
"""Limit of one attempt: the work is one small read, so a killed worker's attempt is retried
after at most this long."""

INGEST_FILE_HEARTBEAT_TIMEOUT = timedelta(seconds=5)
"""An attempt whose worker stops heartbeating this long (killed) is retried at once."""

INGEST_FILE_RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=0,  # unlimited: only non-retryable errors end the stage
)
"""Retries of `IngestionActivities.ingest_file`: no attempt cap, at most 10 s apart."""


class IngestionActivities:
    """Activities of the ingestion worker, over the worker's file-status resource."""

    def __init__(self, files: FileStatusResource) -> None:
        """Args: files: The worker's file status (to find the file's URI)."""
        self._files = files

    @activity.defn(name=INGEST_FILE_ACTIVITY)
    async def ingest_file(self, file_id: UUID) -> FileFacts:
        """Reads the registered file and returns its facts.

        Raises:
            ApplicationError: As raised (``FileNotFound``, ``FileMissing``, ``MalformedFile``...
                non-retryable; ``DatabaseUnavailable``... retryable); any other exception as
                a retryable one with a short message.
        """
        try:
            file = await heartbeating(self._files.get_file(file_id))
            if file is None:
                raise UnknownFileError(f"file {file_id} is not registered")
            activity.logger.info("ingesting %s", file.uri, extra={"file_id": str(file_id)})
            return await heartbeating(asyncio.to_thread(inspect_file, file.uri))
        except ApplicationError:
            raise  # typed by whoever raised it, retryable or not: kept as it is
        except Exception as err:
            raise retryable_error(err) from err
