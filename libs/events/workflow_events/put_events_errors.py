"""What a failed PutEvents call becomes: the EventBridge backend's one error table.

Like httpx's transport exception map, `PUT_EVENTS_ERROR_TABLE` is the single place where what
botocore and aiohttp raise becomes our error. Rows are read top to bottom, the most specific
first: the codes EventBridge answers, then the exceptions raised before any answer, then the
HTTP status of any other answer, then a catch-all. The throttling and transient rows follow
botocore's standard retry mode (``botocore/retries/standard.py``), whose retries are off in
`EVENTS_CLIENT_CONFIG` so Temporal alone retries. Per-entry codes are in `outcomes`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeAlias

from aiohttp import ClientError as AioHttpClientError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    CredentialRetrievalError,
    HTTPClientError,
    NoAuthTokenError,
    NoCredentialsError,
    ParamValidationError,
    PartialCredentialsError,
    RefreshWithMFAUnsupportedError,
    SSOError,
    TokenRetrievalError,
    UnknownCredentialError,
    ValidationError,
)
from workflow_contracts import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)

from workflow_events.outcomes import bus_for_message, retry_delay_for, safe_aws_message

__all__ = ["PUT_EVENTS_ERROR_TABLE", "CallFailure", "Match", "map_put_events_error"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallFailure:
    """What a row of `PUT_EVENTS_ERROR_TABLE` turns a failed PutEvents call into.

    Attributes:
        error: Our error class (it fixes the type and the retryability).
        cause: The cause and what to do about it; ``{bus}`` stands for the bus name.
    """

    error: type[SharedActivityError]
    cause: str


# The fix comes first and names the bus once (shortened when long, see bus_for_message):
# a message is cut at 500 characters, and the AWS message that follows may be long too.
_BUS_MISSING = CallFailure(
    EventBusNotFoundError,
    "the event bus does not exist: create event bus {bus} in this account and region,"
    " or fix the bus name the worker is configured with",
)
_NO_PERMISSION = CallFailure(
    EventAccessDeniedError,
    "the worker may not put events on bus {bus}: grant events:PutEvents on the bus"
    " to the worker's AWS identity",
)
_NO_CREDENTIALS = CallFailure(
    EventAccessDeniedError,
    "the worker has no valid AWS credentials: provide them through the AWS credential chain"
    " (environment, profile, container or instance role) and check the worker's clock",
)
_THROTTLED = CallFailure(EventThrottledError, "throttled by EventBridge; retried after a delay")
_TRANSIENT = CallFailure(EventPublishRetryableError, "transient failure; retried")
_CLIENT_BUG = CallFailure(EventRejectedError, "the worker built an invalid request; not retried")
_REJECTED = CallFailure(EventRejectedError, "EventBridge refused the call; not retried")

Match: TypeAlias = type[BaseException] | str | int | range
"""What a table row matches: an exception class (``isinstance``), an AWS error code (the
``Error.Code`` of a `ClientError`), or an HTTP status or status range of a `ClientError`
(``0``: the answer carried no status)."""

PUT_EVENTS_ERROR_TABLE: tuple[tuple[tuple[Match, ...], CallFailure], ...] = (
    # Codes the service answered; the most specific first.
    (("ResourceNotFoundException",), _BUS_MISSING),
    (
        (
            "AccessDeniedException",
            "AccessDenied",
            "NotAuthorizedForSourceException",
            "NotAuthorizedForDetailTypeException",
        ),
        _NO_PERMISSION,
    ),
    (
        (
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidSignatureException",
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "MissingAuthenticationTokenException",
            "ExpiredToken",
            "ExpiredTokenException",
            "RequestExpired",
            "RequestTimeTooSkewed",
        ),
        _NO_CREDENTIALS,
    ),
    # botocore standard retry mode's transient codes (PriorRequestNotComplete is in both of
    # its lists; a plain retry suits it), and the service's internal errors.
    (
        (
            "RequestTimeout",
            "RequestTimeoutException",
            "PriorRequestNotComplete",
            "InternalFailure",
            "InternalException",
            "InternalError",
            "InternalServerError",
            "ServiceUnavailable",
            "ServiceUnavailableException",
        ),
        _TRANSIENT,
    ),
    # botocore standard retry mode's throttling codes.
    (
        (
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "TransactionInProgressException",
            "RequestLimitExceeded",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "RequestThrottled",
            "SlowDown",
            "EC2ThrottledException",
        ),
        _THROTTLED,
    ),
    # Raised before any answer: credentials, a request the client refuses, the network.
    (
        (
            NoCredentialsError,
            PartialCredentialsError,
            CredentialRetrievalError,
            UnknownCredentialError,
            NoAuthTokenError,
            TokenRetrievalError,
            SSOError,
            RefreshWithMFAUnsupportedError,
        ),
        _NO_CREDENTIALS,
    ),
    ((ParamValidationError, ValidationError), _CLIENT_BUG),
    # botocore's transient exception classes (ReadTimeoutError, EndpointConnectionError,
    # ConnectTimeoutError are among them), aiohttp's, and the OS's.
    ((ConnectionError, HTTPClientError, AioHttpClientError, TimeoutError, OSError), _TRANSIENT),
    # Any other code, by the answer's HTTP status.
    ((429,), _THROTTLED),
    ((range(500, 600), 0), _TRANSIENT),
    ((range(400, 500),), _REJECTED),
    # Anything else botocore raises is a client-side problem (botocore retries none of it);
    # an unknown exception is retried rather than losing the event (and logged in full).
    ((BotoCoreError,), _CLIENT_BUG),
    ((ClientError, Exception), _TRANSIENT),
)
"""The one table from a failed PutEvents call to our error, read top to bottom."""


def _matches(match: Match, err: Exception, code: str | None, status: int | None) -> bool:
    if isinstance(match, str):
        return code == match
    if isinstance(match, range):
        return status is not None and status in match
    if isinstance(match, int):
        return status == match
    return isinstance(err, match)


def _status(err: ClientError) -> int:
    # 0 when the answer carried no (usable) HTTP status.
    try:
        return int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    except (TypeError, ValueError):
        return 0


def map_put_events_error(
    err: Exception, *, bus_name: str, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
) -> SharedActivityError:
    """Our error for a failed PutEvents call, by the first matching row of the table.

    Its message names the cause and the fix (a long bus name or ARN shortened in its middle,
    so the fix always fits); its details carry ``error_code`` (the AWS code, or the
    exception's class), ``error_message`` (first line, credentials removed), ``http_status``
    (None when there was no answer) and ``bus_name`` (in full).
    """
    code: str | None = None
    status: int | None = None
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or "")
        status = _status(err)
    else:
        message = str(err)
    failure = next(
        (
            f
            for matches, f in PUT_EVENTS_ERROR_TABLE
            if any(_matches(m, err, code, status) for m in matches)
        ),
        _TRANSIENT,
    )
    name = code or type(err).__name__
    message = safe_aws_message(message)
    expected = isinstance(err, ClientError | BotoCoreError | AioHttpClientError | OSError)
    logger.warning(
        "PutEvents on bus %r failed: %s: %s (%s)",
        bus_name,
        name,
        message,
        failure.error.error_type,
        exc_info=not expected,  # an unknown exception's stack is needed to fix it
    )
    cause = failure.cause.format(bus=bus_for_message(bus_name))
    shown = bus_for_message(bus_name, message)
    return failure.error(
        f"PutEvents failed: {cause} ({name}: {shown})"
        if message
        else f"PutEvents failed: {cause} ({name})",
        {"error_code": name, "error_message": message, "http_status": status, "bus_name": bus_name},
        next_retry_delay=retry_delay_for(failure.error, operator_retry_delay),
    )
