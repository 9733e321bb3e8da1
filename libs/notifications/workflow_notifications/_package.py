"""``NOTIFICATIONS``: what this package gives the worker that composes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workflow_activity_kit import ActivityPackage

from workflow_notifications._activity import SendNotificationActivity
from workflow_notifications._resource import NotificationResource
from workflow_notifications._settings import NotificationSettings

__all__ = ["NOTIFICATIONS"]


def _activities(
    resource: NotificationResource, settings: NotificationSettings
) -> Sequence[Callable[..., Any]]:
    return [SendNotificationActivity(resource, settings).run]


NOTIFICATIONS: ActivityPackage[NotificationSettings, NotificationResource] = ActivityPackage(
    name="notifications",
    settings_type=NotificationSettings,
    resource=NotificationResource,
    activities=_activities,
)
"""``shared.send_notification`` over one SNS client per worker."""
