"""What a failed PutEvents call, or one entry it failed, becomes: EventBridge's error rows.

`PUT_EVENTS_ERROR_TABLE` (a whole call) is the codes EventBridge answers, then the rows every
AWS backend shares (`workflow_activity_kit.aws.aws_rows`: credentials, botocore standard retry
mode's transient and throttling codes, exceptions raised before any answer, HTTP statuses, a
catch-all). `ENTRY_ERROR_TABLE` maps the per-entry codes of a partial failure. Both are read by
the kit's one engine, most specific first.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from workflow_activity_kit import ErrorFacts, ErrorRow, first_row, shorten, shorten_in
from workflow_activity_kit.aws import (
    THROTTLE_RETRY_DELAY,
    AwsCall,
    aws_rows,
    map_aws_error,
    safe_aws_message,
)
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)

from workflow_events._port import EntryOutcome

__all__ = [
    "ENTRY_ERROR_TABLE",
    "MALFORMED_ANSWER",
    "PUT_EVENTS_ERROR_TABLE",
    "error_for_outcome",
    "map_put_events_error",
]

logger = logging.getLogger(__name__)

_PUT_EVENTS = AwsCall("PutEvents", "bus_name", "PutEvents on bus %r", logger, shorten=True)

# The fix comes first and names the bus once (shortened when long): a message is cut at 500
# characters, and the AWS message that follows may be long too.
PUT_EVENTS_ERROR_TABLE: tuple[ErrorRow, ...] = (
    ErrorRow(
        EventBusNotFoundError,
        "the event bus does not exist: create event bus {target} in this account and region,"
        " or fix the bus name the worker is configured with",
        codes=frozenset({"ResourceNotFoundException"}),
    ),
    ErrorRow(
        EventAccessDeniedError,
        "the worker may not put events on bus {target}: grant events:PutEvents on the bus"
        " to the worker's AWS identity",
        codes=frozenset(
            {
                "AccessDeniedException",
                "AccessDenied",
                "NotAuthorizedForSourceException",
                "NotAuthorizedForDetailTypeException",
            }
        ),
    ),
    *aws_rows(
        no_credentials=ErrorRow(
            EventAccessDeniedError,
            "the worker has no valid AWS credentials: provide them through the AWS credential"
            " chain (environment, profile, container or instance role) and check the worker's"
            " clock",
        ),
        transient=ErrorRow(EventPublishRetryableError, "transient failure; retried"),
        throttled=ErrorRow(EventThrottledError, "throttled by EventBridge; retried after a delay"),
        client_bug=ErrorRow(EventRejectedError, "the worker built an invalid request; not retried"),
        rejected=ErrorRow(EventRejectedError, "EventBridge refused the call; not retried"),
    ),
)
"""The one table from a failed PutEvents call to our error, read top to bottom."""


def map_put_events_error(
    err: Exception, *, bus_name: str, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
) -> SharedActivityError:
    """Our error for a failed PutEvents call, by the first matching row of the table.

    Its message names the cause and the fix (a long bus name or ARN shortened in its middle,
    so the fix always fits); its details carry ``error_code`` (the AWS code, or the
    exception's class), ``error_message`` (first line, credentials removed), ``http_status``
    (None when there was no answer) and ``bus_name`` (in full).
    """
    return map_aws_error(
        err,
        PUT_EVENTS_ERROR_TABLE,
        _PUT_EVENTS,
        target=bus_name,
        operator_retry_delay=operator_retry_delay,
    )


MALFORMED_ANSWER = "MalformedAnswer"
"""``error_code`` of an answer entry with neither an ``EventId`` nor an ``ErrorCode``."""

ENTRY_ERROR_TABLE: tuple[ErrorRow, ...] = (
    ErrorRow(
        EventThrottledError,
        "throttled; retrying",
        codes=frozenset({"ThrottlingException"}),
        delay=THROTTLE_RETRY_DELAY,
    ),
    ErrorRow(
        EventPublishRetryableError,
        "internal failure; retrying",
        codes=frozenset({"InternalFailure"}),
    ),
    ErrorRow(
        EventAccessDeniedError,
        "grant events:PutEvents on bus {target} to the worker's AWS identity"
        " (for this source and detail type, if the policy has conditions)",
        codes=frozenset(
            {
                "AccessDeniedException",
                "NotAuthorizedForSourceException",
                "NotAuthorizedForDetailTypeException",
            }
        ),
    ),
)
"""The per-entry codes PutEvents documents for ``Entries[].ErrorCode``; any other code
(``InvalidArgument``, ``MalformedDetail``, ``InvalidAccountIdException``,
``RedactionFailure``, a new one) is an `EventRejectedError`: the entry itself is wrong,
retrying it cannot help."""

_ENTRY_REJECTED = ErrorRow(EventRejectedError, "rejected; not retried")


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
    facts = ErrorFacts((), code, None, code, message or "")
    row = first_row(facts, ENTRY_ERROR_TABLE) or _ENTRY_REJECTED
    bus = repr(shorten(bus_name)) if bus_name else "(the configured bus)"
    if message and bus_name:
        message = shorten_in(message, bus_name)
    reason = f"{code}: {message}" if message else code
    return row.error(
        f"EventBridge did not accept the event ({reason}): {row.cause.format(target=bus)}",
        {"error_code": code, "error_message": message},
        next_retry_delay=row.retry_delay(operator_retry_delay),
    )
