"""EventBridge's per-entry error codes (a partial failure of PutEvents), mapped to our errors.

One table, `ENTRY_ERROR_TABLE`, read top to bottom; a code not in it is permanent. The
codes are those PutEvents documents for ``Entries[].ErrorCode``: ``InternalFailure`` and
``ThrottlingException`` are retryable, the permission codes wait for an operator, the rest
describe the entry itself.
"""

from __future__ import annotations

import re
from datetime import timedelta

from workflow_contracts import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    OperatorActionRequired,
    SharedActivityError,
)

from workflow_events._ports import EntryOutcome

__all__ = [
    "ENTRY_ERROR_TABLE",
    "RETRYABLE_ENTRY_CODES",
    "THROTTLE_RETRY_DELAY",
    "error_for_outcome",
    "retry_delay_for",
    "safe_aws_message",
]

THROTTLE_RETRY_DELAY = timedelta(seconds=1)
"""Next-retry-delay hint given to Temporal for a throttled entry or call."""

_GRANT = (
    "grant events:PutEvents on bus {bus} to the worker's AWS identity"
    " (for this source and detail type, if the policy has conditions)"
)

ENTRY_ERROR_TABLE: tuple[tuple[frozenset[str], type[SharedActivityError], str], ...] = (
    (frozenset({"ThrottlingException"}), EventThrottledError, "throttled; retrying"),
    (frozenset({"InternalFailure"}), EventPublishRetryableError, "internal failure; retrying"),
    (
        frozenset(
            {
                "AccessDeniedException",
                "NotAuthorizedForSourceException",
                "NotAuthorizedForDetailTypeException",
            }
        ),
        EventAccessDeniedError,
        _GRANT,
    ),
)
"""Rows ``(codes, error, what to do)``; any other code (``InvalidArgument``,
``MalformedDetail``, ``InvalidAccountIdException``, ``RedactionFailure``, a new one) is an
`EventRejectedError`: the entry itself is wrong, retrying it cannot help."""

RETRYABLE_ENTRY_CODES = frozenset(
    code for codes, error, _ in ENTRY_ERROR_TABLE if not error.permanent for code in codes
)
"""Entry error codes that are retried (transient, throttled, or waiting for an operator)."""


# An access key id, or a long base64 run (a secret key, a session token, a signature).
_CREDENTIAL_SHAPED = re.compile(r"(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}|[A-Za-z0-9/+=]{40,}")
_MAX_AWS_MESSAGE_CHARS = 300


def safe_aws_message(text: str) -> str:
    """The first line of an AWS or botocore message, cut, with credential-shaped runs removed.

    AWS's signature errors go on to quote the canonical request, whose signed headers can
    include the session token: only the first line is kept, and anything shaped like a key
    or a token is replaced, so the text is safe in logs and in Temporal's history.
    """
    first = text.strip().split("\n", 1)[0]
    first = _CREDENTIAL_SHAPED.sub("[redacted]", first)
    if len(first) > _MAX_AWS_MESSAGE_CHARS:
        first = first[: _MAX_AWS_MESSAGE_CHARS - 3] + "..."
    return first


def retry_delay_for(
    error: type[SharedActivityError], operator_retry_delay: timedelta
) -> timedelta | None:
    """The ``next_retry_delay`` hint of an error class (None: Temporal's back-off)."""
    if issubclass(error, EventThrottledError):
        return THROTTLE_RETRY_DELAY
    if issubclass(error, OperatorActionRequired):
        return operator_retry_delay
    return None


def error_for_outcome(
    outcome: EntryOutcome,
    *,
    bus_name: str | None = None,
    operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY,
) -> SharedActivityError:
    """Returns the error for a failed entry, carrying the bus's code and message.

    Args:
        outcome: The failed entry's outcome.
        bus_name: The bus, named in the message of an operator error.
        operator_retry_delay: ``next_retry_delay`` of an operator error (permission).
    """
    code = outcome.error_code or "Unknown"
    message = safe_aws_message(outcome.error_message) if outcome.error_message else None
    error: type[SharedActivityError] = EventRejectedError
    action = "rejected; not retried"
    for codes, row_error, row_action in ENTRY_ERROR_TABLE:
        if code in codes:
            error, action = row_error, row_action
            break
    bus = repr(bus_name) if bus_name else "(the configured bus)"
    reason = f"{code}: {message}" if message else code
    return error(
        f"EventBridge did not accept the event ({reason}): {action.format(bus=bus)}",
        {"error_code": code, "error_message": message},
        next_retry_delay=retry_delay_for(error, operator_retry_delay),
    )
