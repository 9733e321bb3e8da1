"""The activity keeps typed errors as they are and makes any other one small and retryable."""

import uuid
from uuid import UUID

import pytest
from ingestion_worker.activities import IngestionActivities
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment
from workflow_contracts.errors import MAX_ERROR_MESSAGE_CHARS, DatabaseUnavailableError
from workflow_file_status import FileRead, FileStatusResource
from workflow_shared_activities import FileStatusSettings


class FailingResources(FileStatusResource):
    def __init__(self, error: Exception) -> None:
        super().__init__(FileStatusSettings())
        self.error = error

    async def get_file(self, file_id: UUID) -> FileRead | None:
        raise self.error


async def test_database_errors_pass_through_unchanged() -> None:
    error = DatabaseUnavailableError("get_file: connection refused")
    activity = IngestionActivities(FailingResources(error))
    with pytest.raises(DatabaseUnavailableError) as info:
        await ActivityEnvironment().run(activity.ingest_file, uuid.uuid4())
    assert info.value is error and not info.value.non_retryable


async def test_an_unexpected_error_becomes_small_and_retryable() -> None:
    activity = IngestionActivities(FailingResources(OSError(5, "I/O error " + "x" * 5000)))
    with pytest.raises(ApplicationError) as info:
        await ActivityEnvironment().run(activity.ingest_file, uuid.uuid4())
    assert info.value.type == "OSError" and not info.value.non_retryable
    assert info.value.message.startswith("OSError: [Errno 5] I/O error")
    assert len(info.value.message) <= MAX_ERROR_MESSAGE_CHARS
