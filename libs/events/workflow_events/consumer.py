"""The consumer kit: reading our events on the other side of the bus.

`parse_event` turns an EventBridge event (as SQS, Lambda or a rule target delivers it) into a
typed `WorkflowEvent`, or one `InvalidEventMessage` naming what is wrong; `dedup_key`, a
`Deduplicator` (`InMemoryDeduplicator` for tests) and `handle_once` drop redelivered and
retried events by ``detail.id``; `consuming_event` continues the publisher's trace. An app
declares its event types in an `EventRegistry` (`EventType`: a name and the model of its
``data``) and renders their JSON Schemas with ``python -m workflow_events.schemas --registry
MODULE:NAME --out DIR``. `ErrorData` is the ``data`` of the failure event every file stage sends.
"""

from workflow_events._consumer_kit import (
    SPEC_VERSION,
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
from workflow_events._dedup import ClaimResult, Deduplicator, InMemoryDeduplicator, handle_once
from workflow_events._event_types import (
    ErrorData,
    EventRegistry,
    EventType,
    envelope_schema,
    render_schemas,
)
from workflow_events._trace_context import consuming_event

__all__ = [
    "SPEC_VERSION",
    "ClaimResult",
    "Deduplicator",
    "ErrorData",
    "EventContext",
    "EventDetail",
    "EventHeader",
    "EventProblem",
    "EventRegistry",
    "EventTrace",
    "EventType",
    "InMemoryDeduplicator",
    "InvalidEventMessage",
    "WorkflowEvent",
    "consuming_event",
    "dedup_key",
    "envelope_schema",
    "handle_once",
    "make_event",
    "parse_event",
    "peek_event",
    "render_schemas",
]
