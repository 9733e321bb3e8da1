"""Publishing workflow events to AWS EventBridge.

`SendEventActivity` builds the event (stable id, envelope, validation) and hands it to a
publisher: `BatchingPublisher` (concurrent events coalesced into PutEvents calls of up to ten
entries) or `DirectPublisher`, over the EventBridge backend made by
`new_aioboto3_event_sender` from a long-lived aioboto3 client. What the backend sees failing
becomes our errors through two tables: `PUT_EVENTS_ERROR_TABLE` (a whole call) and
`ENTRY_ERROR_TABLE` (one entry of a partial failure).

On the receiving side, the consumer kit: `parse_event` (an EventBridge event with our
envelope, typed as `WorkflowEvent`, or one `InvalidEventMessage`), `dedup_key` and the
`Deduplicator` helpers, and `EventRegistry`: an app's event types, the model of each one's
``data`` and their JSON Schemas (``python -m workflow_events.schemas --registry MODULE:NAME
--out DIR``).
"""

from workflow_events._error_rows import (
    ENTRY_ERROR_TABLE,
    PUT_EVENTS_ERROR_TABLE,
    RETRYABLE_ENTRY_CODES,
    error_for_outcome,
    map_put_events_error,
)
from workflow_events._ports import EntryOutcome, EventBatchSender, EventEntry, EventPublisher
from workflow_events.activity import SendEventActivity
from workflow_events.aioboto3 import (
    EVENTS_CLIENT_CONFIG,
    EventBridgeSender,
    new_aioboto3_event_sender,
    open_events_client,
)
from workflow_events.consumer_kit import (
    SPEC_VERSION,
    SPEC_VERSION_PATTERN,
    EventContext,
    EventDetail,
    EventHeader,
    EventProblem,
    EventTrace,
    InvalidEventMessage,
    WorkflowEvent,
    dedup_key,
    make_event,
    parse_event,
    peek_event,
)
from workflow_events.dedup import ClaimResult, Deduplicator, InMemoryDeduplicator, handle_once
from workflow_events.entry import (
    DEFAULT_MAX_ENTRY_BYTES,
    MAX_DATA_DEPTH,
    MAX_ENTRY_BYTES_LIMIT,
    build_entry,
    entry_size,
)
from workflow_events.event_types import (
    ErrorData,
    EventRegistry,
    EventType,
    envelope_schema,
    render_schemas,
)
from workflow_events.publishers import MAX_ENTRIES_PER_CALL, BatchingPublisher, DirectPublisher
from workflow_events.trace_context import consuming_event

__all__ = [
    "DEFAULT_MAX_ENTRY_BYTES",
    "ENTRY_ERROR_TABLE",
    "EVENTS_CLIENT_CONFIG",
    "MAX_DATA_DEPTH",
    "MAX_ENTRIES_PER_CALL",
    "MAX_ENTRY_BYTES_LIMIT",
    "PUT_EVENTS_ERROR_TABLE",
    "RETRYABLE_ENTRY_CODES",
    "SPEC_VERSION",
    "SPEC_VERSION_PATTERN",
    "BatchingPublisher",
    "ClaimResult",
    "Deduplicator",
    "DirectPublisher",
    "EntryOutcome",
    "ErrorData",
    "EventBatchSender",
    "EventBridgeSender",
    "EventContext",
    "EventDetail",
    "EventEntry",
    "EventHeader",
    "EventProblem",
    "EventPublisher",
    "EventRegistry",
    "EventTrace",
    "EventType",
    "InMemoryDeduplicator",
    "InvalidEventMessage",
    "SendEventActivity",
    "WorkflowEvent",
    "build_entry",
    "consuming_event",
    "dedup_key",
    "entry_size",
    "envelope_schema",
    "error_for_outcome",
    "handle_once",
    "make_event",
    "map_put_events_error",
    "new_aioboto3_event_sender",
    "open_events_client",
    "parse_event",
    "peek_event",
    "render_schemas",
]
