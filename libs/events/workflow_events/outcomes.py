"""Mapping EventBridge's per-entry error codes to our error hierarchy."""

from __future__ import annotations

from datetime import timedelta

from workflow_contracts import (
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)

from workflow_events._ports import EntryOutcome

__all__ = ["RETRYABLE_ENTRY_CODES", "THROTTLE_RETRY_DELAY", "error_for_outcome"]

RETRYABLE_ENTRY_CODES = frozenset({"ThrottlingException", "InternalFailure"})
"""Entry error codes worth retrying; every other code (AccessDeniedException,
InvalidArgument, MalformedDetail, NotAuthorizedForSourceException, ...) is permanent."""

THROTTLE_RETRY_DELAY = timedelta(seconds=1)
"""Next-retry-delay hint given to Temporal for a throttled entry."""


def error_for_outcome(outcome: EntryOutcome) -> SharedActivityError:
    """Returns the error for a failed entry, carrying the bus's code and message."""
    code = outcome.error_code or "Unknown"
    message = f"EventBridge did not accept the event: {code}: {outcome.error_message or ''}".rstrip(
        ": "
    )
    details = {"error_code": code, "error_message": outcome.error_message}
    if code == "ThrottlingException":
        return EventThrottledError(message, details, next_retry_delay=THROTTLE_RETRY_DELAY)
    if code in RETRYABLE_ENTRY_CODES:
        return EventPublishRetryableError(message, details)
    return EventRejectedError(message, details)
