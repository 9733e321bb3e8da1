"""The error hierarchy of the shared activities.

Every error is a `temporalio.exceptions.ApplicationError` with a stable ``type`` string, so a
workflow matches it on ``err.cause.type`` after catching `ActivityError`, and Temporal knows
whether to retry it. Three kinds:

- **permanent** (``non_retryable=True``): nothing an operator does makes this input succeed
  (a bad argument, an illegal transition, an entry too large). Raised on attempt 1.
- **transient**: an outage, a dropped connection, throttling. Retried with Temporal's back-off
  (throttling adds a ``next_retry_delay`` hint).
- **operator action** (retryable, `OperatorActionRequired`): a configuration an operator fixes
  (a missing bus, a permission, missing credentials, a schema not migrated, a read-only
  database). Retried with a long ``next_retry_delay``, and the message names the fix, so a
  workflow waits and completes once it is fixed instead of losing its work.

    SharedActivityError (ApplicationError)
    ├── InvalidArgumentsError        InvalidArguments         permanent
    ├── UnsupportedArgumentsError    UnsupportedArguments     transient (a caller newer than the worker)
    ├── InvalidEventError            InvalidEvent             permanent
    ├── EventTooLargeError           EventTooLarge            permanent
    ├── EventRejectedError           EventRejected            permanent
    ├── EventPublishRetryableError   EventPublishFailed       transient
    │   └── EventThrottledError      EventThrottled           transient (with a retry hint)
    ├── InvalidFileIdError           InvalidFileId            permanent
    ├── InvalidStatusError           InvalidStatus            permanent
    ├── UnknownFileError             FileNotFound             permanent
    ├── InvalidStatusTransitionError InvalidStatusTransition  permanent
    ├── FileAlreadyProcessingError   FileAlreadyProcessing    permanent (raised by run_file_stage)
    ├── DatabaseUnavailableError     DatabaseUnavailable      transient
    │   └── DatabaseConflictError    DatabaseConflict         transient (serialization, deadlock, lock)
    └── OperatorActionRequired                                 retryable, long delay
        ├── EventBusNotFoundError    EventBusNotFound
        ├── EventAccessDeniedError   EventAccessDenied        (permission or credentials)
        ├── SchemaNotMigratedError   SchemaNotMigrated
        ├── DatabaseReadOnlyError    DatabaseReadOnly
        ├── DatabaseAccessDeniedError DatabaseAccessDenied
        └── UnknownStoredStatusError UnknownStoredStatus      (a row this worker cannot read)
"""

from datetime import timedelta
from typing import Any, ClassVar

from temporalio.exceptions import ApplicationError

__all__ = [
    "MAX_ERROR_MESSAGE_CHARS",
    "OPERATOR_RETRY_DELAY",
    "DatabaseAccessDeniedError",
    "DatabaseConflictError",
    "DatabaseReadOnlyError",
    "DatabaseUnavailableError",
    "ErrorType",
    "EventAccessDeniedError",
    "EventBusNotFoundError",
    "EventPublishRetryableError",
    "EventRejectedError",
    "EventThrottledError",
    "EventTooLargeError",
    "FileAlreadyProcessingError",
    "InvalidArgumentsError",
    "InvalidEventError",
    "InvalidFileIdError",
    "InvalidStatusError",
    "InvalidStatusTransitionError",
    "OperatorActionRequired",
    "SchemaNotMigratedError",
    "SharedActivityError",
    "UnknownFileError",
    "UnknownStoredStatusError",
    "UnsupportedArgumentsError",
]

OPERATOR_RETRY_DELAY = timedelta(seconds=30)
"""Default ``next_retry_delay`` of the errors an operator fixes (bus, permission, schema)."""

MAX_ERROR_MESSAGE_CHARS = 500
"""Messages are cut to this length: a failure must stay small and readable in the UI."""


class ErrorType:
    """Stable ``ApplicationError.type`` strings, for matching in workflows."""

    INVALID_ARGUMENTS = "InvalidArguments"
    UNSUPPORTED_ARGUMENTS = "UnsupportedArguments"
    INVALID_EVENT = "InvalidEvent"
    EVENT_TOO_LARGE = "EventTooLarge"
    EVENT_REJECTED = "EventRejected"
    EVENT_BUS_NOT_FOUND = "EventBusNotFound"
    EVENT_ACCESS_DENIED = "EventAccessDenied"
    EVENT_PUBLISH_FAILED = "EventPublishFailed"
    EVENT_THROTTLED = "EventThrottled"
    INVALID_FILE_ID = "InvalidFileId"
    INVALID_STATUS = "InvalidStatus"
    FILE_NOT_FOUND = "FileNotFound"
    INVALID_STATUS_TRANSITION = "InvalidStatusTransition"
    FILE_ALREADY_PROCESSING = "FileAlreadyProcessing"
    DATABASE_UNAVAILABLE = "DatabaseUnavailable"
    DATABASE_CONFLICT = "DatabaseConflict"
    SCHEMA_NOT_MIGRATED = "SchemaNotMigrated"
    DATABASE_READ_ONLY = "DatabaseReadOnly"
    DATABASE_ACCESS_DENIED = "DatabaseAccessDenied"
    UNKNOWN_STORED_STATUS = "UnknownStoredStatus"

    PERMANENT: ClassVar[frozenset[str]] = frozenset(
        {
            INVALID_ARGUMENTS,
            INVALID_EVENT,
            EVENT_TOO_LARGE,
            EVENT_REJECTED,
            INVALID_FILE_ID,
            INVALID_STATUS,
            FILE_NOT_FOUND,
            INVALID_STATUS_TRANSITION,
            FILE_ALREADY_PROCESSING,
        }
    )
    """Types never retried: the input itself is wrong."""

    OPERATOR_ACTION: ClassVar[frozenset[str]] = frozenset(
        {
            EVENT_BUS_NOT_FOUND,
            EVENT_ACCESS_DENIED,
            SCHEMA_NOT_MIGRATED,
            DATABASE_READ_ONLY,
            DATABASE_ACCESS_DENIED,
            UNKNOWN_STORED_STATUS,
        }
    )
    """Retryable types with a long delay, fixed by an operator (the message says how)."""


def _short(message: str) -> str:
    if len(message) <= MAX_ERROR_MESSAGE_CHARS:
        return message
    return message[: MAX_ERROR_MESSAGE_CHARS - 3] + "..."


class SharedActivityError(ApplicationError):
    """Base of every error the shared activities raise.

    Subclasses fix ``type`` and retryability; ``details`` carry structured facts
    (a dict) that a workflow can read from ``err.cause.details``. Messages are cut to
    `MAX_ERROR_MESSAGE_CHARS`.
    """

    error_type: ClassVar[str] = "SharedActivityError"
    permanent: ClassVar[bool] = True
    default_retry_delay: ClassVar[timedelta | None] = None

    def __init__(
        self,
        message: str,
        *details: Any,
        next_retry_delay: timedelta | None = None,
    ) -> None:
        super().__init__(
            _short(message),
            *details,
            type=self.error_type,
            non_retryable=self.permanent,
            next_retry_delay=next_retry_delay or self.default_retry_delay,
        )


class InvalidArgumentsError(SharedActivityError):
    """Too few arguments, or an argument that is not decodable JSON (names it)."""

    error_type = ErrorType.INVALID_ARGUMENTS


class UnsupportedArgumentsError(SharedActivityError):
    """More arguments than this worker's version takes: a caller newer than the worker.

    Retryable: during a rolling deploy the call succeeds once the worker is upgraded.
    """

    error_type = ErrorType.UNSUPPORTED_ARGUMENTS
    permanent = False
    default_retry_delay = OPERATOR_RETRY_DELAY


class InvalidEventError(SharedActivityError):
    """The event's source, type or data is not acceptable (names the field)."""

    error_type = ErrorType.INVALID_EVENT


class EventTooLargeError(SharedActivityError):
    """The EventBridge entry exceeds the configured size limit."""

    error_type = ErrorType.EVENT_TOO_LARGE


class EventRejectedError(SharedActivityError):
    """EventBridge refused the entry with a permanent error code."""

    error_type = ErrorType.EVENT_REJECTED


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


class FileAlreadyProcessingError(SharedActivityError):
    """A stage found the file PROCESSING under another execution (it does not own it)."""

    error_type = ErrorType.FILE_ALREADY_PROCESSING


class DatabaseUnavailableError(SharedActivityError):
    """The database could not be reached or the statement timed out; retried by Temporal."""

    error_type = ErrorType.DATABASE_UNAVAILABLE
    permanent = False


class DatabaseConflictError(DatabaseUnavailableError):
    """A serialization failure, deadlock or lock timeout; retried by Temporal."""

    error_type = ErrorType.DATABASE_CONFLICT


class OperatorActionRequired(SharedActivityError):
    """A configuration an operator must fix; retried with a long delay until it is fixed."""

    error_type = "OperatorActionRequired"
    permanent = False
    default_retry_delay = OPERATOR_RETRY_DELAY


class EventBusNotFoundError(OperatorActionRequired):
    """The configured event bus does not exist: create it (or fix the bus name)."""

    error_type = ErrorType.EVENT_BUS_NOT_FOUND


class EventAccessDeniedError(OperatorActionRequired):
    """The worker may not put events on the bus, or has no valid AWS credentials."""

    error_type = ErrorType.EVENT_ACCESS_DENIED


class SchemaNotMigratedError(OperatorActionRequired):
    """The file-status tables (or their function) are missing: run the migrations."""

    error_type = ErrorType.SCHEMA_NOT_MIGRATED


class DatabaseReadOnlyError(OperatorActionRequired):
    """The database accepts no writes (a standby, a read-only file or transaction)."""

    error_type = ErrorType.DATABASE_READ_ONLY


class DatabaseAccessDeniedError(OperatorActionRequired):
    """The database refused the login or the privilege, or the database does not exist."""

    error_type = ErrorType.DATABASE_ACCESS_DENIED


class UnknownStoredStatusError(OperatorActionRequired):
    """The stored status is not one this worker knows (a newer writer, or a row set by hand)."""

    error_type = ErrorType.UNKNOWN_STORED_STATUS
