"""The events this app sends: the model of each one's ``data`` and their registry, `EVENTS`.

A consumer validates an event of ours with them (``EVENTS.parse(body)``, or `parse_event`
with one model); their JSON Schemas are committed in ``schemas/`` and written by
``python -m workflow_events.schemas --registry ingestion_worker.events:EVENTS --out schemas``
(the project's ``schemas`` target). Like every model of the kit they ignore unknown fields,
so a field added here never breaks a consumer; a test checks that what the app sends has
exactly the fields of these models.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from workflow_events.consumer import ErrorData, EventRegistry, EventType

from ingestion_worker.workflows import FILE_INGESTED, FILE_INGESTION_FAILED, SOURCE

__all__ = ["EVENTS", "FileIngestedData", "FileIngestionFailedData"]

_DATA_CONFIG = ConfigDict(frozen=True, extra="ignore")


class FileIngestedData(BaseModel):
    """ingestion/file_ingested_successfully: the file was read and recorded."""

    model_config = _DATA_CONFIG

    file_id: UUID = Field(description="The file.")
    kind: str = Field(description="'csv', else the file name's extension ('bin' without one).")
    size: int = Field(ge=0, description="Size in bytes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex.")
    rows: int | None = Field(ge=0, description="Data rows of a CSV file; null for other kinds.")


class FileIngestionFailedData(BaseModel):
    """ingestion/file_ingestion_failed: the file could not be ingested."""

    model_config = _DATA_CONFIG

    file_id: UUID = Field(description="The file.")
    error: ErrorData


EVENTS: Final = EventRegistry(
    [
        EventType(SOURCE, FILE_INGESTED, FileIngestedData),
        EventType(SOURCE, FILE_INGESTION_FAILED, FileIngestionFailedData),
    ]
)
"""The event types this app sends."""
