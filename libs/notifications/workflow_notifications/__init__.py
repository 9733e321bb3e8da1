"""SNS notifications from workflows: ``shared.send_notification`` (`NOTIFICATIONS`).

A worker gets it from the umbrella's plugin (`NotificationSettings` in its configuration, all
optional): one `NotificationResource` per worker opens a long-lived aioboto3 ``sns`` client and
serves `SendNotificationActivity`, which validates the request (SNS's size and attribute
limits), publishes it through the `NotificationPublisher` port, and maps what SNS answers to our
typed errors through one table of rows. Fakes for tests: `workflow_notifications.testing`.
"""

from workflow_notifications._activity import SendNotificationActivity
from workflow_notifications._package import NOTIFICATIONS
from workflow_notifications._port import NotificationPublisher, NotificationRequest, PublishOutcome
from workflow_notifications._resource import NotificationResource
from workflow_notifications._settings import NotificationSettings

__all__ = [
    "NOTIFICATIONS",
    "NotificationPublisher",
    "NotificationRequest",
    "NotificationResource",
    "NotificationSettings",
    "PublishOutcome",
    "SendNotificationActivity",
]
