"""Validating an event and building its EventBridge ``Detail``: pure, deterministic code.

The same rules run in the activity (`workflow_events.build_entry`) and, through
`check_event`, in workflow code before a stage changes a file's status, so a stage never
commits a status whose event could not be sent. Standard library only: safe in the sandbox.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple
from uuid import UUID

from workflow_contracts._envelope import EventEnvelope, TemporalContext
from workflow_contracts._event_text import check_name, find_invalid_unicode, invalid
from workflow_contracts._json_types import json_type
from workflow_contracts.errors import EventTooLargeError, InvalidEventError

__all__ = [
    "DEFAULT_MAX_ENTRY_BYTES",
    "MAX_DATA_DEPTH",
    "MAX_DETAIL_TYPE_CHARS",
    "MAX_ENTRY_BYTES_LIMIT",
    "MAX_SOURCE_CHARS",
    "MAX_TRACESTATE_CHARS",
    "BuiltDetail",
    "build_detail",
    "check_event",
    "check_source_prefix",
    "entry_size",
    "normalise_data",
]

DEFAULT_MAX_ENTRY_BYTES = 256 * 1024
"""EventBridge's classic entry limit (256 KiB)."""

MAX_ENTRY_BYTES_LIMIT = 1024 * 1024
"""The highest configurable limit: buses accept 1 MiB entries since January 2026."""

MAX_DETAIL_TYPE_CHARS = 128
MAX_SOURCE_CHARS = 256

MAX_DATA_DEPTH = 32
"""Deepest nesting accepted in ``data`` (``data`` itself is level 1, ``{"a": {}}`` is 2).

Deep enough for any real event, far below Python's recursion limit, so no input (a
100 000-level array from another SDK, a dict that contains itself) can exhaust the stack:
deeper data is an `InvalidEventError` naming the path, raised before anything is sent.
"""

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


def normalise_data(value: Any, path: str = "data", depth: int = 1) -> Any:
    """Returns ``value`` as plain JSON data, deterministically.

    UUIDs become strings, datetimes ISO 8601 in UTC (naive ones are taken as UTC), dates ISO
    8601, Decimals their exact string, Enums their value, dataclasses their fields.

    Args:
        value: The value (``data`` itself, or a value inside it).
        path: Where the value sits, for error messages (``data['rows'][3]``).
        depth: Nesting level of ``value``; ``data`` itself is level 1.

    Raises:
        InvalidEventError: Naming the offending path when a value is not JSON-serialisable, a
            float is NaN or infinite, a key is not a string, or containers nest deeper than
            `MAX_DATA_DEPTH`.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if depth > MAX_DATA_DEPTH and isinstance(value, Mapping | list | tuple):
        raise invalid(path, f"nested deeper than {MAX_DATA_DEPTH} levels", limit=MAX_DATA_DEPTH)
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise invalid(path, f"key {key!r} is not a string")
            out[key] = (
                item
                if type(item) in _PLAIN
                else normalise_data(item, f"{path}[{key!r}]", depth + 1)
            )
        return out
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise invalid(path, f"{value!r} is not valid JSON")
        return value
    if isinstance(value, Enum):
        return normalise_data(value.value, path, depth)
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
                raise invalid(path, f"key {key!r} is not a string")
            out[key] = normalise_data(item, f"{path}[{key!r}]", depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [normalise_data(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise invalid(
        path,
        f"value of type {type(value).__name__} is not JSON-serialisable",
        type=type(value).__name__,
    )


def check_source_prefix(prefix: str) -> str:
    """``prefix`` if it can start a source (``acme.data``); else a `ValueError` saying why.

    For the configuration: a bad prefix would make every event fail, so the worker refuses
    it when the activity is built.
    """
    try:
        return check_name("source", f"{prefix}.x", MAX_SOURCE_CHARS, inner_spaces=False)[:-2]
    except InvalidEventError as err:
        raise ValueError(f"source_prefix {prefix!r}: {err.message.partition(': ')[2]}") from None


class BuiltDetail(NamedTuple):
    """An event ready for PutEvents: bus ``Source``, ``DetailType``, ``Detail``, its size."""

    source: str
    detail_type: str
    detail: str
    size: int
    envelope: EventEnvelope


def build_detail(
    *,
    event_id: str,
    source: object,
    event_type: object,
    data: object,
    time: datetime,
    context: TemporalContext,
    source_prefix: str | None = None,
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    trace: Mapping[str, str] | None = None,
) -> BuiltDetail:
    """Validates the inputs and builds the ``Detail`` and its envelope.

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
        trace: The caller's W3C trace context (``traceparent``, ``tracestate``), carried as
            ``detail.trace`` when given so that a consumer continues the trace; None or
            empty: no ``trace`` key.

    Raises:
        InvalidEventError: A field is missing, of the wrong type, too long or not valid
            Unicode (a lone surrogate); the source or event type holds a control or
            invisible format character, or whitespace EventBridge sources do not have
            (names the code point and its index); the source is reserved (``aws.``); or
            ``data`` is not a serialisable JSON object within `MAX_DATA_DEPTH` (names the
            field or path).
        EventTooLargeError: The entry exceeds ``max_entry_bytes``.
    """
    logical_source = check_name("source", source, MAX_SOURCE_CHARS, inner_spaces=False)
    detail_type = check_name("event_type", event_type, MAX_DETAIL_TYPE_CHARS, inner_spaces=True)
    bus_source = logical_source
    if source_prefix:
        bus_source = check_name(
            "source", f"{source_prefix}.{logical_source}", MAX_SOURCE_CHARS, inner_spaces=False
        )
    # After the checks above: no leading space or invisible character can hide the prefix.
    if bus_source.lower().startswith("aws."):
        raise invalid(
            "source", f"{bus_source!r} is reserved: sources starting with 'aws.' belong to AWS"
        )
    if not isinstance(data, Mapping):
        raise invalid("data", f"must be a JSON object, got {json_type(data)}")
    envelope = EventEnvelope(
        id=event_id,
        source=logical_source,
        type=detail_type,
        time=time if time.tzinfo is UTC else time.astimezone(UTC),
        data=normalise_data(data),
        context=context,
    )
    # Built by hand rather than via normalise_data(envelope): data is already normalised.
    # Nothing here may differ between attempts of one execution (no attempt number, no
    # per-attempt time): every retry sends byte-identical Detail.
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
            "activity_run_id": context.activity_run_id,
            "workflow_type": context.workflow_type,
            "namespace": context.namespace,
        },
        "spec_version": envelope.spec_version,
    }
    if trace:
        detail_object["trace"] = dict(trace)
    try:
        detail = _ENCODE_DETAIL(detail_object)
    except (ValueError, TypeError, RecursionError) as err:
        # Unreachable after normalise_data; kept so no input escapes as an untyped error.
        raise invalid("data", f"not serialisable as JSON ({type(err).__name__})") from None
    try:
        size = entry_size(bus_source, detail_type, detail)
    except UnicodeEncodeError:
        # Only data can hold a lone surrogate here (source and type were checked above).
        path, index = find_invalid_unicode(envelope.data, "data") or ("data", 0)
        raise invalid(path, f"not valid Unicode (a lone surrogate at index {index})") from None
    if size > max_entry_bytes:
        raise EventTooLargeError(
            f"event entry is {size} bytes; the limit is {max_entry_bytes} bytes",
            {"size": size, "limit": max_entry_bytes},
        )
    return BuiltDetail(bus_source, detail_type, detail, size, envelope)


# What a workflow cannot know before the activity runs: its activity id and run id. The check
# reserves room for the longest the activity may add (ids of up to 1,000 characters each).
_ID_ALLOWANCE = TemporalContext(
    workflow_id=None, run_id=None, activity_id="x" * 1000, attempt=1, activity_run_id="x" * 1000
)
# And the trace context a traced worker adds: a W3C traceparent (55 characters), and a
# tracestate of up to MAX_TRACESTATE_CHARS (a longer one is not carried).
MAX_TRACESTATE_CHARS = 256
_TRACE_ALLOWANCE = {"traceparent": "x" * 55, "tracestate": "x" * MAX_TRACESTATE_CHARS}


def check_event(
    source: object,
    event_type: object,
    data: object,
    *,
    context: TemporalContext,
    source_prefix: str | None = None,
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
) -> None:
    """Checks that an event would be accepted, before anything depends on sending it.

    Runs the activity's own validation on the event as the activity will build it, the
    activity's ids counted at their longest, so what passes here is not refused there for its
    content or size (the activity's worker may still be configured with a smaller limit or
    a prefix the workflow does not know).

    Args:
        source: Logical source.
        event_type: Event type.
        data: The payload.
        context: The calling workflow (ids, type, namespace); activity ids are allowed for.
        source_prefix: The worker's source prefix, when the workflow knows it.
        max_entry_bytes: The worker's entry size limit.

    Raises:
        InvalidEventError: As `build_detail`.
        EventTooLargeError: As `build_detail`.
    """
    allowance = TemporalContext(
        workflow_id=context.workflow_id,
        run_id=context.run_id,
        activity_id=_ID_ALLOWANCE.activity_id,
        attempt=1,
        workflow_type=context.workflow_type,
        namespace=context.namespace,
        activity_run_id=_ID_ALLOWANCE.activity_run_id,
    )
    build_detail(
        event_id="00000000-0000-0000-0000-000000000000",
        source=source,
        event_type=event_type,
        data=data,
        time=datetime(2000, 1, 1, tzinfo=UTC),
        context=allowance,
        source_prefix=source_prefix,
        max_entry_bytes=max_entry_bytes,
        trace=_TRACE_ALLOWANCE,
    )
