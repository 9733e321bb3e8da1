"""The error hierarchy of the shared activities.

Every error is a `temporalio.exceptions.ApplicationError` with a stable ``type`` string, so a
workflow matches it on ``err.cause.type`` after catching `ActivityError`, and Temporal knows
whether to retry it. Permanent errors are ``non_retryable``; transient ones are not.

    SharedActivityError (ApplicationError)
    ├── InvalidEventError          InvalidEvent              permanent
    ├── EventTooLargeError         EventTooLarge             permanent
    ├── EventRejectedError         EventRejected             permanent
    ├── EventBusNotFoundError      EventBusNotFound          permanent
    ├── EventPublishRetryableError EventPublishFailed        transient
    │   └── EventThrottledError    EventThrottled            transient (with a retry hint)
    ├── InvalidFileIdError         InvalidFileId             permanent
    ├── InvalidStatusError         InvalidStatus             permanent
    ├── UnknownFileError           FileNotFound              permanent
    ├── InvalidStatusTransitionError InvalidStatusTransition permanent
    └── DatabaseUnavailableError   DatabaseUnavailable       transient
"""

from datetime import timedelta
from typing import Any, ClassVar

from temporalio.exceptions import ApplicationError

__all__ = [
    "DatabaseUnavailableError",
    "ErrorType",
    "EventBusNotFoundError",
    "EventPublishRetryableError",
    "EventRejectedError",
    "EventThrottledError",
    "EventTooLargeError",
    "InvalidEventError",
    "InvalidFileIdError",
    "InvalidStatusError",
    "InvalidStatusTransitionError",
    "SharedActivityError",
    "UnknownFileError",
]


class ErrorType:
    """Stable ``ApplicationError.type`` strings, for matching in workflows."""

    INVALID_EVENT = "InvalidEvent"
    EVENT_TOO_LARGE = "EventTooLarge"
    EVENT_REJECTED = "EventRejected"
    EVENT_BUS_NOT_FOUND = "EventBusNotFound"
    EVENT_PUBLISH_FAILED = "EventPublishFailed"
    EVENT_THROTTLED = "EventThrottled"
    INVALID_FILE_ID = "InvalidFileId"
    INVALID_STATUS = "InvalidStatus"
    FILE_NOT_FOUND = "FileNotFound"
    INVALID_STATUS_TRANSITION = "InvalidStatusTransition"
    DATABASE_UNAVAILABLE = "DatabaseUnavailable"

    PERMANENT: ClassVar[frozenset[str]] = frozenset(
        {
            INVALID_EVENT,
            EVENT_TOO_LARGE,
            EVENT_REJECTED,
            EVENT_BUS_NOT_FOUND,
            INVALID_FILE_ID,
            INVALID_STATUS,
            FILE_NOT_FOUND,
            INVALID_STATUS_TRANSITION,
        }
    )


class SharedActivityError(ApplicationError):
    """Base of every error the shared activities raise.

    Subclasses fix ``type`` and retryability; ``details`` carry structured facts
    (a dict) that a workflow can read from ``err.cause.details``.
    """

    error_type: ClassVar[str] = "SharedActivityError"
    permanent: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *details: Any,
        next_retry_delay: timedelta | None = None,
    ) -> None:
        super().__init__(
            message,
            *details,
            type=self.error_type,
            non_retryable=self.permanent,
            next_retry_delay=next_retry_delay,
        )


class InvalidEventError(SharedActivityError):
    """The event's source, type or data is not acceptable (names the field)."""

    error_type = ErrorType.INVALID_EVENT


class EventTooLargeError(SharedActivityError):
    """The EventBridge entry exceeds the configured size limit."""

    error_type = ErrorType.EVENT_TOO_LARGE


class EventRejectedError(SharedActivityError):
    """EventBridge refused the entry with a permanent error code."""

    error_type = ErrorType.EVENT_REJECTED


class EventBusNotFoundError(SharedActivityError):
    """The configured event bus does not exist: a configuration error."""

    error_type = ErrorType.EVENT_BUS_NOT_FOUND


class EventPublishRetryableError(SharedActivityError):
    """A transient failure while publishing (connection, timeout, 5xx, internal failure)."""

    error_type = ErrorType.EVENT_PUBLISH_FAILED
    permanent = False


class EventThrottledError(EventPublishRetryableError):
    """EventBridge throttled the entry; carries a next-retry-delay hint."""

    error_type = ErrorType.EVENT_THROTTLED


class InvalidFileIdError(SharedActivityError):
    """The file id is not a valid UUID."""

    error_type = ErrorType.INVALID_FILE_ID


class InvalidStatusError(SharedActivityError):
    """The requested status is not a `FileStatus`."""

    error_type = ErrorType.INVALID_STATUS


class UnknownFileError(SharedActivityError):
    """No file is registered under that id."""

    error_type = ErrorType.FILE_NOT_FOUND


class InvalidStatusTransitionError(SharedActivityError):
    """The transition graph does not allow moving from the current status to the target."""

    error_type = ErrorType.INVALID_STATUS_TRANSITION


class DatabaseUnavailableError(SharedActivityError):
    """The database could not be reached or the statement timed out; retried by Temporal."""

    error_type = ErrorType.DATABASE_UNAVAILABLE
    permanent = False
