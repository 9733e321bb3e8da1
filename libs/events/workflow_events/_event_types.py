"""Event types: the model of each one's ``data``, a registry of them, their JSON Schemas.

An app declares the events it sends in an `EventRegistry`: (logical source, event type) ->
the model of ``detail.data``. ``registry.parse(body)`` validates an event with the model of
its type, and `envelope_schema` / `render_schemas` give the JSON Schema (draft 2020-12) of the
whole envelope (``detail``) of each type; ``python -m workflow_events.schemas --registry
MODULE:NAME --out DIR`` writes them, one file per type (``<source>.<event type>.json``).

`ErrorData` is the ``error`` object of the failure event `run_file_stage` sends, for the
models of those events. Like every model of the kit, a model here should ignore unknown
fields, so a producer may add one without breaking a consumer.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from workflow_events._consumer_kit import (
    Body,
    EventDetail,
    WorkflowEvent,
    parse_event,
    peek_event,
)

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "ErrorData",
    "EventRegistry",
    "EventType",
    "envelope_schema",
    "render_schemas",
]

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"


# Lives here, not in an app: `workflow_contracts.run_file_stage` builds this object for the
# failure event of every stage, whichever app runs it.
class ErrorData(BaseModel):
    """Why a stage failed."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: str = Field(description="Stable error type (FileMissing, MalformedFile, ...).")
    message: str = Field(description="Readable reason (at most a few hundred characters).")


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


def render_schemas(registry: EventRegistry) -> dict[str, str]:
    """File name -> content of every type's schema file (sorted keys, 2-space indent)."""
    return {
        f"{event_type.name}.json": json.dumps(
            envelope_schema(event_type), indent=2, sort_keys=True, ensure_ascii=False
        )
        + "\n"
        for event_type in registry
    }
