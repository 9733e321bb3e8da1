"""Contracts of ``shared.send_notification`` (`SendNotificationActivity`): name, result, errors.

Light like the rest of the package (standard library and ``temporalio`` only): workflows
import it inside the sandbox. Made with ``pnpm nx g @workflow/nx-plugin:shared-activity``.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from temporalio.common import RetryPolicy

from workflow_contracts._calls import DEFAULT_RETRY, call_activity
from workflow_contracts._modes import ActivityMode
from workflow_contracts.errors import OperatorActionRequired, SharedActivityError

__all__ = [
    "NOTIFICATION_ID_ATTRIBUTE",
    "SEND_NOTIFICATION_ACTIVITY",
    "InvalidNotificationError",
    "NotificationAccessDeniedError",
    "NotificationErrorType",
    "NotificationFailedError",
    "NotificationReceipt",
    "NotificationRejectedError",
    "NotificationThrottledError",
    "NotificationTooLargeError",
    "NotificationTopicNotFoundError",
    "send_notification",
]

SEND_NOTIFICATION_ACTIVITY = "shared.send_notification"
"""Name of `SendNotificationActivity.run`; arguments ``(topic_arn, subject, message)``, then
optionally ``attributes`` (an object of strings) and ``group_id`` (FIFO topics)."""

NOTIFICATION_ID_ATTRIBUTE = "notification_id"
"""The message attribute carrying the stable notification id (consumers deduplicate by it)."""


class NotificationErrorType:
    """Stable ``ApplicationError.type`` strings of ``shared.send_notification``."""

    INVALID = "InvalidNotification"
    TOO_LARGE = "NotificationTooLarge"
    REJECTED = "NotificationRejected"
    FAILED = "NotificationPublishFailed"
    THROTTLED = "NotificationThrottled"
    TOPIC_NOT_FOUND = "NotificationTopicNotFound"
    ACCESS_DENIED = "NotificationAccessDenied"

    PERMANENT: ClassVar[frozenset[str]] = frozenset({INVALID, TOO_LARGE, REJECTED})
    """Types never retried: the input itself is wrong."""
    OPERATOR_ACTION: ClassVar[frozenset[str]] = frozenset({TOPIC_NOT_FOUND, ACCESS_DENIED})
    """Retryable types with the operator delay (the message names the fix)."""


class InvalidNotificationError(SharedActivityError):
    """An argument is not acceptable (names it): topic, subject, message, attributes, group."""

    error_type = NotificationErrorType.INVALID


class NotificationTooLargeError(SharedActivityError):
    """Message and attributes are over SNS's size limit (256 KiB)."""

    error_type = NotificationErrorType.TOO_LARGE


class NotificationRejectedError(SharedActivityError):
    """SNS refused the publish for good (an invalid parameter, another 4xx)."""

    error_type = NotificationErrorType.REJECTED


class NotificationFailedError(SharedActivityError):
    """A transient failure (connection, timeout, 5xx); retried by Temporal."""

    error_type = NotificationErrorType.FAILED
    permanent = False


class NotificationThrottledError(NotificationFailedError):
    """SNS throttled the publish; carries a next-retry-delay hint."""

    error_type = NotificationErrorType.THROTTLED


class NotificationTopicNotFoundError(OperatorActionRequired):
    """The topic does not exist (or none is configured): create it or fix its ARN."""

    error_type = NotificationErrorType.TOPIC_NOT_FOUND


class NotificationAccessDeniedError(OperatorActionRequired):
    """The worker may not publish to the topic (or its KMS key), or has no credentials."""

    error_type = NotificationErrorType.ACCESS_DENIED


@dataclass(frozen=True)
class NotificationReceipt:
    """What `SendNotificationActivity` returns once SNS accepted the notification.

    Attributes:
        notification_id: The stable id (the same on every retry of one execution): the
            ``notification_id`` message attribute and, on a FIFO topic, the
            ``MessageDeduplicationId``.
        topic_arn: The topic it was published to.
        message_id: SNS's ``MessageId`` (may differ per try on a standard topic).
        sequence_number: SNS's ``SequenceNumber`` (FIFO topics only).
    """

    notification_id: str
    topic_arn: str
    message_id: str | None = None
    sequence_number: str | None = None


async def send_notification(
    topic_arn: str | None,
    subject: str | None,
    message: str,
    attributes: dict[str, str] | None = None,
    group_id: str | None = None,
    *,
    mode: ActivityMode = ActivityMode.REGULAR,
    start_to_close_timeout: timedelta | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    retry_policy: RetryPolicy = DEFAULT_RETRY,
    nexus_endpoint: str | None = None,
) -> NotificationReceipt:
    """Runs ``shared.send_notification`` (`SendNotificationActivity`) from a workflow, by name.

    Args:
        topic_arn: The SNS topic (None: the worker's configured topic).
        subject: The subject (e-mail subscriptions), or None.
        message: The message body.
        attributes: String message attributes.
        group_id: The ``MessageGroupId``; required for a FIFO topic.
        mode: Regular or local activity.
        start_to_close_timeout: Limit of one attempt.
        schedule_to_close_timeout: Limit of all attempts.
        retry_policy: Retries.
        nexus_endpoint: Run ``send_notification`` of `SharedOperations` through this Nexus
            endpoint instead (see `set_file_status`).
    """
    if nexus_endpoint is not None:
        # Imported here: the Nexus module imports this one.
        from workflow_contracts import _nexus_calls as nexus_calls

        nexus_calls.check_nexus_mode(mode)
        return await nexus_calls.send_notification_via_nexus(
            nexus_endpoint,
            topic_arn,
            subject,
            message,
            attributes,
            group_id,
            schedule_to_close_timeout=schedule_to_close_timeout,
        )
    args: list[object] = [topic_arn, subject, message]
    # Optional arguments go on the wire only when given: an older worker accepts the call.
    if attributes is not None or group_id is not None:
        args.append(attributes)
    if group_id is not None:
        args.append(group_id)
    return await call_activity(
        SEND_NOTIFICATION_ACTIVITY,
        *args,
        result_type=NotificationReceipt,
        mode=mode,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        retry_policy=retry_policy,
    )
