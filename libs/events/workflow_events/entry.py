"""Building and validating an EventBridge entry, before any network call."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from workflow_contracts import (
    EventEnvelope,
    EventTooLargeError,
    InvalidEventError,
    TemporalContext,
)

from workflow_events._ports import EventEntry

__all__ = [
    "DEFAULT_MAX_ENTRY_BYTES",
    "MAX_DETAIL_TYPE_CHARS",
    "MAX_ENTRY_BYTES_LIMIT",
    "MAX_SOURCE_CHARS",
    "build_entry",
    "entry_size",
    "normalise_data",
]

DEFAULT_MAX_ENTRY_BYTES = 256 * 1024
"""EventBridge's classic entry limit (256 KiB)."""

MAX_ENTRY_BYTES_LIMIT = 1024 * 1024
"""The highest configurable limit: buses accept 1 MiB entries since January 2026."""

MAX_DETAIL_TYPE_CHARS = 128
MAX_SOURCE_CHARS = 256
_TIME_BYTES = 14  # AWS's size formula counts Time as 14 bytes
_PLAIN = frozenset({str, int, bool, type(None)})  # exact types that are JSON as they are
# One encoder, built once: json.dumps with options builds a new one on every call.
_ENCODE_DETAIL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def entry_size(
    source: str,
    detail_type: str,
    detail: str,
    resources: tuple[str, ...] = (),
    *,
    has_time: bool = True,
) -> int:
    """Size of a PutEvents entry by AWS's formula.

    14 bytes for ``Time`` (when set), plus the UTF-8 bytes of ``Source``, ``DetailType``,
    ``Detail`` and each of ``Resources``.
    """
    size = _TIME_BYTES if has_time else 0
    size += len(source.encode()) + len(detail_type.encode()) + len(detail.encode())
    size += sum(len(resource.encode()) for resource in resources)
    return size


def normalise_data(value: Any, path: str = "data") -> Any:
    """Returns ``value`` as plain JSON data, deterministically.

    UUIDs become strings, datetimes ISO 8601 in UTC (naive ones are taken as UTC), dates ISO
    8601, Decimals their exact string, Enums their value, dataclasses their fields.

    Raises:
        InvalidEventError: Naming the offending path (``data['rows'][3]``) when a value is not
            JSON-serialisable, a float is NaN or infinite, or a key is not a string.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise InvalidEventError(f"{path}: key {key!r} is not a string", {"field": path})
            out[key] = item if type(item) in _PLAIN else normalise_data(item, f"{path}[{key!r}]")
        return out
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidEventError(f"{path}: {value!r} is not valid JSON", {"field": path})
        return value
    if isinstance(value, Enum):
        return normalise_data(value.value, path)
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidEventError(f"{path}: key {key!r} is not a string", {"field": path})
            out[key] = normalise_data(item, f"{path}[{key!r}]")
        return out
    if isinstance(value, list | tuple):
        return [normalise_data(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise InvalidEventError(
        f"{path}: value of type {type(value).__name__} is not JSON-serialisable",
        {"field": path, "type": type(value).__name__},
    )


def _check_name(field: str, value: object, max_chars: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidEventError(
            f"{field} must be a non-empty string, got {value!r}", {"field": field}
        )
    if len(value) > max_chars:
        raise InvalidEventError(
            f"{field} is {len(value)} characters long; EventBridge allows {max_chars}",
            {"field": field, "length": len(value)},
        )
    return value


def build_entry(
    *,
    event_id: str,
    source: object,
    event_type: object,
    data: object,
    time: datetime,
    context: TemporalContext,
    source_prefix: str | None = None,
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
) -> tuple[EventEntry, EventEnvelope]:
    """Validates the inputs and builds the entry and its envelope.

    Args:
        event_id: The stable event id.
        source: Logical source (``"ingestion"``).
        event_type: Event type, used as ``DetailType``.
        data: The payload; must be a JSON object.
        time: Event time (UTC).
        context: The Temporal execution emitting it.
        source_prefix: Optional namespace put before the source (``"acme.data"`` gives
            ``Source = "acme.data.ingestion"``).
        max_entry_bytes: Entry size limit by AWS's formula.

    Raises:
        InvalidEventError: A field is missing, of the wrong type or too long, the source is
            reserved (``aws.``), or ``data`` is not a serialisable JSON object.
        EventTooLargeError: The entry exceeds ``max_entry_bytes``.
    """
    logical_source = _check_name("source", source, MAX_SOURCE_CHARS)
    detail_type = _check_name("event_type", event_type, MAX_DETAIL_TYPE_CHARS)
    bus_source = logical_source
    if source_prefix:
        bus_source = _check_name("source", f"{source_prefix}.{logical_source}", MAX_SOURCE_CHARS)
    if bus_source.lower().startswith("aws."):
        raise InvalidEventError(
            f"source {bus_source!r} is reserved: sources starting with 'aws.' belong to AWS",
            {"field": "source"},
        )
    if not isinstance(data, Mapping):
        raise InvalidEventError(
            f"data must be a JSON object (dict), got {type(data).__name__}", {"field": "data"}
        )
    envelope = EventEnvelope(
        id=event_id,
        source=logical_source,
        type=detail_type,
        time=time if time.tzinfo is UTC else time.astimezone(UTC),
        data=normalise_data(data),
        context=context,
    )
    # Built by hand rather than via normalise_data(envelope): data is already normalised.
    detail_object = {
        "id": envelope.id,
        "source": envelope.source,
        "type": envelope.type,
        "time": envelope.time.isoformat(),
        "data": envelope.data,
        "context": {
            "workflow_id": context.workflow_id,
            "run_id": context.run_id,
            "activity_id": context.activity_id,
            "attempt": context.attempt,
            "workflow_type": context.workflow_type,
            "namespace": context.namespace,
        },
        "spec_version": envelope.spec_version,
    }
    detail = _ENCODE_DETAIL(detail_object)
    size = entry_size(bus_source, detail_type, detail)
    if size > max_entry_bytes:
        raise EventTooLargeError(
            f"event entry is {size} bytes; the limit is {max_entry_bytes} bytes",
            {"size": size, "limit": max_entry_bytes},
        )
    entry = EventEntry(
        event_id=event_id,
        source=bus_source,
        detail_type=detail_type,
        detail=detail,
        time=envelope.time,
        size=size,
    )
    return entry, envelope
