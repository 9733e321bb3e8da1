"""`SendNotificationActivity` (``shared.send_notification``): one SNS message per execution."""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity
from workflow_activity_kit import execution_id, wire_activity
from workflow_contracts import SEND_NOTIFICATION_ACTIVITY, NotificationReceipt, TemporalContext
from workflow_contracts.errors import OPERATOR_RETRY_DELAY
from workflow_contracts.notifications import (
    InvalidNotificationError,
    NotificationTopicNotFoundError,
)

from workflow_notifications._port import NotificationPublisher
from workflow_notifications._settings import NotificationSettings
from workflow_notifications._telemetry import NotificationTelemetry, traced_publish
from workflow_notifications._validation import build_request

__all__ = ["SendNotificationActivity"]

logger = logging.getLogger(__name__)


class SendNotificationActivity:
    """Publishes notifications to SNS; register ``SendNotificationActivity(...).run``.

    Every retry of one activity execution publishes the same request: the same
    ``notification_id`` (`workflow_contracts.execution_id`, as send_event's event id) in the
    ``notification_id`` attribute and, on a FIFO topic, as ``MessageDeduplicationId``, so the
    topic drops a retry's duplicate and a standard topic's consumers drop it by the attribute.
    Whatever a caller sends on the wire, a bad argument is a non-retryable
    `InvalidNotificationError` naming it, on attempt 1, with nothing published.
    """

    def __init__(
        self, publisher: NotificationPublisher, settings: NotificationSettings | None = None
    ) -> None:
        """Configures the activity.

        Args:
            publisher: Where notifications go (the worker's `NotificationResource`, or a fake).
            settings: The default topic and the size limit.
        """
        self._publisher = publisher
        self._telemetry = NotificationTelemetry()
        self._settings = settings or NotificationSettings()

    @wire_activity(
        SEND_NOTIFICATION_ACTIVITY,
        errors={
            "topic_arn": InvalidNotificationError,
            "subject": InvalidNotificationError,
            "message": InvalidNotificationError,
            "attributes": InvalidNotificationError,
            "group_id": InvalidNotificationError,
        },
    )
    async def run(
        self,
        topic_arn: str | None,
        subject: str | None,
        message: str,
        attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
    ) -> NotificationReceipt:
        """Publishes ``message`` to the topic.

        Args:
            topic_arn: The SNS topic ARN; None: the worker's ``NotificationSettings.topic_arn``.
            subject: ``Subject`` (at most 100 ASCII printable characters, no line break, not
                starting with whitespace), or None.
            message: ``Message`` (non-empty; with the attributes at most 256 KiB).
            attributes: String message attributes (at most 9: ``notification_id`` is added).
            group_id: ``MessageGroupId``: required for a FIFO topic, refused for another.

        Returns:
            The receipt, with the stable notification id.

        Raises:
            InvalidArgumentsError: Fewer than three arguments (non-retryable).
            UnsupportedArgumentsError: More than five: a caller newer than this worker.
            InvalidNotificationError: A bad argument (non-retryable, nothing sent).
            NotificationTooLargeError: Over the size limit (non-retryable, nothing sent).
            NotificationRejectedError: SNS refused it (non-retryable).
            NotificationTopicNotFoundError: No such topic, or none given nor configured
                (retried every operator retry delay until an operator fixes it).
            NotificationAccessDeniedError: No permission, KMS key, credentials or region
                (the same).
            NotificationFailedError: Transient failure or throttling (retried).
        """
        info = activity.info()
        notification_id = execution_id(TemporalContext.from_activity_info(info))
        if topic_arn is None:
            if self._settings.topic_arn is None:
                raise NotificationTopicNotFoundError(
                    "no topic: the caller passed none and the worker has no default; pass a"
                    " topic ARN or configure NotificationSettings(topic_arn=...)",
                    {"field": "topic_arn"},
                    next_retry_delay=getattr(
                        self._publisher, "operator_retry_delay", OPERATOR_RETRY_DELAY
                    ),
                )
            topic_arn = self._settings.topic_arn
        request = build_request(
            notification_id,
            topic_arn,
            subject,
            message,
            attributes,
            group_id,
            max_message_bytes=self._settings.max_message_bytes,
        )
        outcome = await traced_publish(self._telemetry.metrics(), request, self._publisher.publish)
        logger.info(
            "notification published",
            extra={
                "notification_id": notification_id,
                "topic_arn": request.topic_arn,
                "workflow_id": info.workflow_id,
                "attempt": info.attempt,
            },
        )
        return NotificationReceipt(
            notification_id=notification_id,
            topic_arn=request.topic_arn,
            message_id=outcome.message_id,
            sequence_number=outcome.sequence_number,
        )
