"""Building an EventBridge entry, before any network call.

The validation and the ``Detail`` come from `workflow_contracts._event_entry`, shared with the
workflow-side check that runs before a stage changes a file's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from workflow_contracts import EventEnvelope, TemporalContext
from workflow_contracts._event_entry import (
    DEFAULT_MAX_ENTRY_BYTES,
    MAX_DATA_DEPTH,
    MAX_DETAIL_TYPE_CHARS,
    MAX_ENTRY_BYTES_LIMIT,
    MAX_SOURCE_CHARS,
    build_detail,
    check_source_prefix,
    entry_size,
    normalise_data,
)

from workflow_events._port import EventEntry

__all__ = [
    "DEFAULT_MAX_ENTRY_BYTES",
    "MAX_DATA_DEPTH",
    "MAX_DETAIL_TYPE_CHARS",
    "MAX_ENTRY_BYTES_LIMIT",
    "MAX_SOURCE_CHARS",
    "build_entry",
    "check_source_prefix",
    "entry_size",
    "normalise_data",
]


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
    trace: Mapping[str, str] | None = None,
    trace_header: str | None = None,
) -> tuple[EventEntry, EventEnvelope]:
    """Validates the inputs and builds the entry and its envelope.

    See `workflow_contracts._event_entry.build_detail` for the rules and the errors; ``trace``
    is the W3C context carried as ``detail.trace``, ``trace_header`` the X-Ray ``TraceHeader``.
    """
    built = build_detail(
        event_id=event_id,
        source=source,
        event_type=event_type,
        data=data,
        time=time,
        context=context,
        source_prefix=source_prefix,
        max_entry_bytes=max_entry_bytes,
        trace=trace,
    )
    entry = EventEntry(
        event_id=event_id,
        source=built.source,
        detail_type=built.detail_type,
        detail=built.detail,
        time=built.envelope.time,
        size=built.size,
        trace_header=trace_header,
    )
    return entry, built.envelope
