"""Workflow events on AWS EventBridge: ``shared.send_event`` (`EVENTS`).

A worker gets it from the umbrella's plugin (`EventSettings` in its configuration): one
`EventResource` per worker opens a long-lived aioboto3 ``events`` client and a publisher that
coalesces concurrent events into PutEvents calls of up to ten entries, and serves
`SendEventActivity`, which builds each event (a stable id per activity execution, the
envelope, validation) and hands it to the `EventPublisher` port as an `EventEntry`. What
EventBridge answers becomes our typed errors through one table of rows, most specific first.

Consumers read the events with `workflow_events.consumer` (parsing, deduplication, event
types and their JSON Schemas). Fakes for tests: `workflow_events.testing`.
"""

from workflow_events._activity import SendEventActivity
from workflow_events._package import EVENTS
from workflow_events._port import EventEntry, EventPublisher
from workflow_events._resource import EventResource
from workflow_events._settings import EventSettings

__all__ = [
    "EVENTS",
    "EventEntry",
    "EventPublisher",
    "EventResource",
    "EventSettings",
    "SendEventActivity",
]
