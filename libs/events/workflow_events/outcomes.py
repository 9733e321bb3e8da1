"""EventBridge's per-entry error codes (a partial failure of PutEvents), mapped to our errors.

One table, `ENTRY_ERROR_TABLE`, read top to bottom; a code not in it is permanent. The
codes are those PutEvents documents for ``Entries[].ErrorCode``: ``InternalFailure`` and
``ThrottlingException`` are retryable, the permission codes wait for an operator, the rest
describe the entry itself. An entry with neither an ``EventId`` nor an ``ErrorCode`` is a
malformed answer, retried.
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
    "MALFORMED_ANSWER",
    "RETRYABLE_ENTRY_CODES",
    "THROTTLE_RETRY_DELAY",
    "bus_for_message",
    "error_for_outcome",
    "retry_delay_for",
    "safe_aws_message",
]

THROTTLE_RETRY_DELAY = timedelta(seconds=1)
"""Next-retry-delay hint given to Temporal for a throttled entry or call."""

MALFORMED_ANSWER = "MalformedAnswer"
"""``error_code`` of an answer entry with neither an ``EventId`` nor an ``ErrorCode``."""

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


_MAX_BUS_CHARS_SHOWN = 100
_BUS_HEAD_CHARS = 60  # an ARN's account, region and the start of the name


def _shorten(name: str) -> str:
    if len(name) <= _MAX_BUS_CHARS_SHOWN:
        return name
    tail = _MAX_BUS_CHARS_SHOWN - _BUS_HEAD_CHARS - 3
    return f"{name[:_BUS_HEAD_CHARS]}...{name[-tail:]}"


def bus_for_message(bus_name: str, text: str | None = None) -> str:
    """The bus as a message shows it: quoted, a long name or ARN cut in its middle.

    A message is cut at 500 characters: a 256-character ARN named twice would push the fix
    out of it. Details keep the full name. With ``text`` (an AWS message), returns that text
    with the bus's full name (and an ARN's own name part) shortened the same way instead.
    """
    if text is None:
        return repr(_shorten(bus_name))
    if len(bus_name) > _MAX_BUS_CHARS_SHOWN:
        text = text.replace(bus_name, _shorten(bus_name))
        name = bus_name.rpartition("/")[2]
        if len(name) > _MAX_BUS_CHARS_SHOWN:
            text = text.replace(name, _shorten(name))
    return text


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

    An entry with no error code (nor an event id: the answer is malformed) is a retryable
    `EventPublishRetryableError` with ``error_code`` `MALFORMED_ANSWER`: sending the entry
    again is safe, it keeps its event id.

    Args:
        outcome: The failed entry's outcome.
        bus_name: The bus, named in the message of an operator error.
        operator_retry_delay: ``next_retry_delay`` of an operator error (permission).
    """
    message = safe_aws_message(outcome.error_message) if outcome.error_message else None
    code = outcome.error_code
    if not code:
        # Neither an EventId nor an ErrorCode: the answer is malformed (a broken proxy, a
        # truncated body), not a refusal. Repeating the call is safe: the entry keeps its
        # event id, so consumers drop a duplicate.
        return EventPublishRetryableError(
            "EventBridge answered the entry with neither an EventId nor an ErrorCode"
            " (a malformed answer); retrying, the event keeps its id",
            {"error_code": MALFORMED_ANSWER, "error_message": message},
        )
    error: type[SharedActivityError] = EventRejectedError
    action = "rejected; not retried"
    for codes, row_error, row_action in ENTRY_ERROR_TABLE:
        if code in codes:
            error, action = row_error, row_action
            break
    bus = bus_for_message(bus_name) if bus_name else "(the configured bus)"
    if message and bus_name:
        message = bus_for_message(bus_name, message)
    reason = f"{code}: {message}" if message else code
    return error(
        f"EventBridge did not accept the event ({reason}): {action.format(bus=bus)}",
        {"error_code": code, "error_message": message},
        next_retry_delay=retry_delay_for(error, operator_retry_delay),
    )
