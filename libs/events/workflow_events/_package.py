"""``EVENTS``: what this package gives the worker that composes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workflow_activity_kit import ActivityPackage

from workflow_events._activity import SendEventActivity
from workflow_events._resource import EventResource
from workflow_events._settings import EventSettings

__all__ = ["EVENTS"]


def _activities(resource: EventResource, settings: EventSettings) -> Sequence[Callable[..., Any]]:
    activity = SendEventActivity(
        resource, source_prefix=settings.source_prefix, max_entry_bytes=settings.max_entry_bytes
    )
    return [activity.run]


EVENTS: ActivityPackage[EventSettings, EventResource] = ActivityPackage(
    name="events", settings_type=EventSettings, resource=EventResource, activities=_activities
)
"""``shared.send_event`` over one EventBridge client per worker."""
