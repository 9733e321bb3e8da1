"""SendNotificationActivity (``shared.send_notification``): SNS notifications from workflows.

Its port, the aioboto3 SNS adapter and error table, the worker settings and resource.
"""

from workflow_notifications._error_rows import PUBLISH_ERROR_TABLE, map_publish_error
from workflow_notifications._ports import NotificationPublisher, NotificationRequest, PublishOutcome
from workflow_notifications.activity import SendNotificationActivity
from workflow_notifications.aioboto3 import (
    SNS_CLIENT_CONFIG,
    SnsPublisher,
    open_sns_client,
    publish_arguments,
)
from workflow_notifications.resource import NotificationResource, NotificationSettings
from workflow_notifications.validation import (
    MAX_ATTRIBUTES,
    MAX_MESSAGE_BYTES,
    MAX_SUBJECT_CHARS,
    build_request,
    request_size,
)

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_MESSAGE_BYTES",
    "MAX_SUBJECT_CHARS",
    "PUBLISH_ERROR_TABLE",
    "SNS_CLIENT_CONFIG",
    "NotificationPublisher",
    "NotificationRequest",
    "NotificationResource",
    "NotificationSettings",
    "PublishOutcome",
    "SendNotificationActivity",
    "SnsPublisher",
    "build_request",
    "map_publish_error",
    "open_sns_client",
    "publish_arguments",
    "request_size",
]
