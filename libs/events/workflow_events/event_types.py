"""Our event types: the ``data`` model of each, a registry of them, their JSON Schemas.

`EVENT_TYPES` maps (logical source, event type) to the model of ``detail.data`` for the
events the sample apps send; an app adds its own with ``EVENT_TYPES.register(...)``.
``EVENT_TYPES.parse(body)`` validates an event with the model of its type, and
`envelope_schema` / `render_schemas` give the JSON Schema (draft 2020-12) of the whole
envelope (``detail``) of each type; ``python -m workflow_events.schemas --out DIR`` writes
them, one file per type (``<source>.<event type>.json``).

The models describe what consumers may rely on. Like every model of the kit they ignore
unknown fields, so a producer may add one without breaking a consumer; a test checks that
what the apps send has exactly the fields of these models.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from workflow_events.consumer_kit import (
    Body,
    EventDetail,
    WorkflowEvent,
    parse_event,
    peek_event,
)

__all__ = [
    "EVENT_TYPES",
    "JSON_SCHEMA_DIALECT",
    "ErrorData",
    "EvaluationCompletedData",
    "EvaluationFailedData",
    "EventRegistry",
    "EventType",
    "FileIngestedData",
    "FileIngestionFailedData",
    "QualityReportData",
    "envelope_schema",
    "render_schemas",
]

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"

_DATA_CONFIG = ConfigDict(frozen=True, extra="ignore")


class ErrorData(BaseModel):
    """Why a stage failed."""

    model_config = _DATA_CONFIG

    type: str = Field(description="Stable error type (FileMissing, MalformedFile, ...).")
    message: str = Field(description="Readable reason (at most a few hundred characters).")


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


@dataclass(frozen=True)
class EventType:
    """One event type: its logical source, its type and the model of its ``data``."""

    source: str
    event_type: str
    data_model: type[BaseModel]

    @property
    def name(self) -> str:
        """``<source>.<event type>``: the schema file's name, without ``.json``."""
        return f"{self.source}.{self.event_type}"


class EventRegistry:
    """(logical source, event type) -> the model of ``detail.data``."""

    def __init__(self, types: Iterable[EventType] = ()) -> None:
        """Args: types: The types registered at start."""
        self._types: dict[tuple[str, str], EventType] = {}
        for event_type in types:
            self.register(event_type.source, event_type.event_type, event_type.data_model)

    def register(self, source: str, event_type: str, data_model: type[BaseModel]) -> EventType:
        """Registers a type (again with the same model is a no-op).

        Raises:
            ValueError: The type is registered with another model, or a name is empty.
        """
        if not source or not event_type:
            raise ValueError("source and event_type must be non-empty")
        entry = EventType(source, event_type, data_model)
        known = self._types.setdefault((source, event_type), entry)
        if known.data_model is not data_model:
            raise ValueError(
                f"{source}/{event_type} is registered with {known.data_model.__name__}"
            )
        return known

    def get(self, source: str, event_type: str) -> EventType | None:
        """The registered type, by logical source (``detail.source``) and type."""
        return self._types.get((source, event_type))

    def __iter__(self) -> Iterator[EventType]:
        """The types, sorted by source then type."""
        return iter(sorted(self._types.values(), key=lambda t: (t.source, t.event_type)))

    def __len__(self) -> int:
        """Number of types."""
        return len(self._types)

    def parse(self, body: Body) -> WorkflowEvent[Any]:
        """`parse_event` with the model registered for the event's ``detail`` source and type.

        An event of a type not registered is still validated (envelope, ``data`` an object)
        and returned with ``data`` as a dict.

        Raises:
            InvalidEventMessage: As `parse_event`.
        """
        body = peek_event(body).body
        detail = body.get("detail")
        found = None
        if isinstance(detail, Mapping):
            source, event_type = detail.get("source"), detail.get("type")
            if isinstance(source, str) and isinstance(event_type, str):
                found = self.get(source, event_type)
        if found is None:
            return parse_event(body)
        return parse_event(body, found.data_model)


EVENT_TYPES: Final = EventRegistry(
    [
        EventType("ingestion", "file_ingested_successfully", FileIngestedData),
        EventType("ingestion", "file_ingestion_failed", FileIngestionFailedData),
        EventType("evaluation", "evaluation_completed", EvaluationCompletedData),
        EventType("evaluation", "evaluation_failed", EvaluationFailedData),
    ]
)
"""The event types the sample apps send."""


def envelope_schema(event_type: EventType) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one type's envelope: the EventBridge ``detail``.

    ``source`` and ``type`` are constants; ``data`` is the type's model.
    """
    schema = copy.deepcopy(EventDetail[event_type.data_model].model_json_schema())  # type: ignore[name-defined]
    properties = schema["properties"]
    properties["source"] = {
        "const": event_type.source,
        "description": "Logical source (the bus Source is it, or '<prefix>.' + it).",
        "type": "string",
    }
    properties["type"] = {
        "const": event_type.event_type,
        "description": "Event type, also the EventBridge detail-type.",
        "type": "string",
    }
    properties["id"]["description"] = (
        "Stable event id: the same on every retry and redelivery; deduplicate by it."
    )
    properties["time"]["description"] = "When the emitting activity was first scheduled (UTC)."
    properties["spec_version"]["description"] = "Envelope version: 1.x."
    schema["title"] = f"{event_type.source}/{event_type.event_type}"
    schema["description"] = (
        f"The EventBridge detail of a {event_type.event_type!r} event from "
        f"{event_type.source!r}: our envelope, with its data."
    )
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def render_schemas(registry: EventRegistry = EVENT_TYPES) -> dict[str, str]:
    """File name -> content of every type's schema file (sorted keys, 2-space indent)."""
    return {
        f"{event_type.name}.json": json.dumps(
            envelope_schema(event_type), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
        for event_type in registry
    }
