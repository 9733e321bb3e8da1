"""The ingestion app's own activity."""

import asyncio
from uuid import UUID

from temporalio import activity
from workflow_contracts import UnknownFileError
from workflow_shared_activities import SharedResources

from ingestion_worker.facts import FileFacts, inspect_file

__all__ = ["INGEST_FILE_ACTIVITY", "IngestionActivities"]

INGEST_FILE_ACTIVITY = "ingestion.ingest_file"


class IngestionActivities:
    """Activities of the ingestion worker, over the worker's shared resources."""

    def __init__(self, resources: SharedResources) -> None:
        """Args: resources: The worker's database (to find the file's URI)."""
        self._resources = resources

    @activity.defn(name=INGEST_FILE_ACTIVITY)
    async def ingest_file(self, file_id: UUID) -> FileFacts:
        """Reads the registered file and returns its facts."""
        file = await self._resources.get_file(file_id)
        if file is None:
            raise UnknownFileError(f"file {file_id} is not registered")
        activity.logger.info("ingesting %s", file.uri, extra={"file_id": str(file_id)})
        return await asyncio.to_thread(inspect_file, file.uri)
