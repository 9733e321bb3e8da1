"""Data models the kit is tested with, in the shapes of real events (nested, constrained).

The apps own the models of the events they send (``ingestion_worker.events``,
``evaluation_worker.events``); these are test fixtures of the same shapes, so the kit's
tests need no app.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from workflow_events.consumer import ErrorData, EventRegistry, EventType

CONFIG = ConfigDict(frozen=True, extra="ignore")


class FileIngestedData(BaseModel):
    """ingestion/file_ingested_successfully."""

    model_config = CONFIG

    file_id: UUID = Field(description="The file.")
    kind: str = Field(description="The file's kind.")
    size: int = Field(ge=0, description="Size in bytes.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the content, hex.")
    rows: int | None = Field(ge=0, description="Data rows; null for other kinds.")


class FileIngestionFailedData(BaseModel):
    """ingestion/file_ingestion_failed."""

    model_config = CONFIG

    file_id: UUID
    error: ErrorData


class QualityReportData(BaseModel):
    """A nested model."""

    model_config = CONFIG

    rows: int = Field(ge=0)
    cells: int = Field(ge=0)
    empty_cell_ratio: float = Field(ge=0, le=1)
    duplicate_rows: int = Field(ge=0)
    score: float = Field(ge=0, le=1)
    threshold: float
    passed: bool


class EvaluationCompletedData(BaseModel):
    """evaluation/evaluation_completed."""

    model_config = CONFIG

    file_id: UUID
    score: float = Field(ge=0, le=1)
    passed: bool
    report: QualityReportData


SAMPLE_TYPES = EventRegistry(
    [
        EventType("ingestion", "file_ingested_successfully", FileIngestedData),
        EventType("ingestion", "file_ingestion_failed", FileIngestionFailedData),
        EventType("evaluation", "evaluation_completed", EvaluationCompletedData),
    ]
)
"""A registry of the models above (``tests.models:SAMPLE_TYPES`` for the schemas command)."""
