"""Publishing workflow events to AWS EventBridge.

`SendEventActivity` builds the event (stable id, envelope, validation) and hands it to a
publisher: `BatchingPublisher` (concurrent events coalesced into PutEvents calls of up to ten
entries) or `DirectPublisher`, over the EventBridge backend made by
`new_aioboto3_event_sender` from a long-lived aioboto3 client.
"""

from workflow_events._ports import EntryOutcome, EventBatchSender, EventEntry, EventPublisher
from workflow_events.activity import SendEventActivity
from workflow_events.aioboto3 import (
    EVENTS_CLIENT_CONFIG,
    EventBridgeSender,
    new_aioboto3_event_sender,
    open_events_client,
)
from workflow_events.entry import (
    DEFAULT_MAX_ENTRY_BYTES,
    MAX_ENTRY_BYTES_LIMIT,
    build_entry,
    entry_size,
)
from workflow_events.ids import EVENT_ID_NAMESPACE, event_id_for
from workflow_events.outcomes import RETRYABLE_ENTRY_CODES, error_for_outcome
from workflow_events.publishers import MAX_ENTRIES_PER_CALL, BatchingPublisher, DirectPublisher

__all__ = [
    "DEFAULT_MAX_ENTRY_BYTES",
    "EVENTS_CLIENT_CONFIG",
    "EVENT_ID_NAMESPACE",
    "MAX_ENTRIES_PER_CALL",
    "MAX_ENTRY_BYTES_LIMIT",
    "RETRYABLE_ENTRY_CODES",
    "BatchingPublisher",
    "DirectPublisher",
    "EntryOutcome",
    "EventBatchSender",
    "EventBridgeSender",
    "EventEntry",
    "EventPublisher",
    "SendEventActivity",
    "build_entry",
    "entry_size",
    "error_for_outcome",
    "event_id_for",
    "new_aioboto3_event_sender",
    "open_events_client",
]
