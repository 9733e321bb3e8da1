"""The events this app sends: the model of each one's ``data`` and their registry, `EVENTS`.

A consumer validates an event of ours with them (``EVENTS.parse(body)``, or `parse_event`
with one model); their JSON Schemas are committed in ``schemas/`` and written by
``python -m workflow_events.schemas --registry evaluation_worker.events:EVENTS --out schemas``
(the project's ``schemas`` target). Like every model of the kit they ignore unknown fields,
so a field added here never breaks a consumer; a test checks that what the app sends has
exactly the fields of these models. The events this app reads are the ingestion app's
(`ingestion_worker.events`).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from workflow_events.consumer import ErrorData, EventRegistry, EventType

from evaluation_worker.workflows import EVALUATION_COMPLETED, EVALUATION_FAILED, SOURCE

__all__ = ["EVENTS", "EvaluationCompletedData", "EvaluationFailedData", "QualityReportData"]

_DATA_CONFIG = ConfigDict(frozen=True, extra="ignore")


class QualityReportData(BaseModel):
    """The quality of a CSV file, as evaluated."""

    model_config = _DATA_CONFIG

    rows: int = Field(ge=0, description="Data rows (below the header).")
    cells: int = Field(ge=0, description="Data cells.")
    empty_cell_ratio: float = Field(ge=0, le=1, description="Share of empty cells.")
    duplicate_rows: int = Field(ge=0, description="Rows identical to an earlier row.")
    score: float = Field(ge=0, le=1, description="Quality score.")
    threshold: float = Field(description="The pass mark the score was compared with.")
    passed: bool = Field(description="score >= threshold.")


class EvaluationCompletedData(BaseModel):
    """evaluation/evaluation_completed: the file was evaluated."""

    model_config = _DATA_CONFIG

    file_id: UUID = Field(description="The file.")
    score: float = Field(ge=0, le=1, description="Quality score (report.score).")
    passed: bool = Field(description="Whether the score reached the threshold.")
    report: QualityReportData


class EvaluationFailedData(BaseModel):
    """evaluation/evaluation_failed: the file could not be evaluated."""

    model_config = _DATA_CONFIG

    file_id: UUID = Field(description="The file.")
    error: ErrorData


EVENTS: Final = EventRegistry(
    [
        EventType(SOURCE, EVALUATION_COMPLETED, EvaluationCompletedData),
        EventType(SOURCE, EVALUATION_FAILED, EvaluationFailedData),
    ]
)
"""The event types this app sends."""
