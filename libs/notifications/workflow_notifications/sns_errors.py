"""What a failed SNS Publish becomes: the backend's one error table, most specific first.

Like `workflow_events.PUT_EVENTS_ERROR_TABLE`: the codes SNS answers (Publish's documented
errors), then the credential codes, botocore standard retry mode's transient and throttling
codes (its own retries are off, Temporal alone retries), the exceptions raised before any
answer, the HTTP status of any other answer, then a catch-all.
"""

from __future__ import annotations

import logging
import re
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
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    SSOError,
    TokenRetrievalError,
    UnknownCredentialError,
)
from workflow_contracts import (
    OPERATOR_RETRY_DELAY,
    NotificationAccessDeniedError,
    NotificationFailedError,
    NotificationRejectedError,
    NotificationThrottledError,
    NotificationTopicNotFoundError,
    OperatorActionRequired,
    SharedActivityError,
)

__all__ = ["PUBLISH_ERROR_TABLE", "THROTTLE_RETRY_DELAY", "Failure", "map_publish_error"]

logger = logging.getLogger(__name__)

THROTTLE_RETRY_DELAY = timedelta(seconds=1)


@dataclass(frozen=True)
class Failure:
    """What a row turns a failed Publish into: our error class, and the cause and fix."""

    error: type[SharedActivityError]
    cause: str


# The fix comes first (a message is cut at 500 characters); {topic} is the topic's ARN.
_TOPIC_MISSING = Failure(
    NotificationTopicNotFoundError,
    "the topic {topic} does not exist: create it in this account and region, or fix the"
    " topic ARN the caller or the worker is configured with",
)
_NO_PERMISSION = Failure(
    NotificationAccessDeniedError,
    "the worker may not publish to {topic}: grant sns:Publish on the topic to the worker's"
    " AWS identity",
)
_KMS = Failure(
    NotificationAccessDeniedError,
    "the topic {topic} is encrypted with a KMS key the worker cannot use: enable the key and"
    " grant kms:GenerateDataKey and kms:Decrypt on it to the worker's AWS identity",
)
_NO_CREDENTIALS = Failure(
    NotificationAccessDeniedError,
    "the worker has no valid AWS credentials or region: provide them through the AWS"
    " credential chain (environment, profile, container or instance role)",
)
_THROTTLED = Failure(NotificationThrottledError, "throttled by SNS; retried after a delay")
_TRANSIENT = Failure(NotificationFailedError, "transient failure; retried")
_CLIENT_BUG = Failure(NotificationRejectedError, "the worker built an invalid request")
_REJECTED = Failure(NotificationRejectedError, "SNS refused the publish; not retried")

Match: TypeAlias = type[BaseException] | str | int | range
"""An exception class, an AWS error code, or an HTTP status (range) of a `ClientError`."""

PUBLISH_ERROR_TABLE: tuple[tuple[tuple[Match, ...], Failure], ...] = (
    (("NotFound", "NotFoundException", "ResourceNotFoundException"), _TOPIC_MISSING),
    (("AuthorizationError", "AuthorizationErrorException", "AccessDenied"), _NO_PERMISSION),
    (("AccessDeniedException",), _NO_PERMISSION),
    (
        ("KMSAccessDenied", "KMSDisabled", "KMSInvalidState", "KMSNotFound", "KMSOptInRequired"),
        _KMS,
    ),
    (
        (
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "ExpiredToken",
            "ExpiredTokenException",
            "RequestExpired",
            "RequestTimeTooSkewed",
        ),
        _NO_CREDENTIALS,
    ),
    (
        ("InvalidParameter", "InvalidParameterValue", "ValidationError", "InvalidSecurity"),
        _REJECTED,
    ),
    (
        (
            "RequestTimeout",
            "RequestTimeoutException",
            "PriorRequestNotComplete",
            "InternalError",
            "InternalFailure",
            "ServiceUnavailable",
        ),
        _TRANSIENT,
    ),
    (
        (
            "Throttled",
            "Throttling",
            "ThrottlingException",
            "KMSThrottling",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "LimitExceededException",
        ),
        _THROTTLED,
    ),
    (
        (
            NoCredentialsError,
            PartialCredentialsError,
            CredentialRetrievalError,
            UnknownCredentialError,
            NoAuthTokenError,
            TokenRetrievalError,
            SSOError,
            NoRegionError,
        ),
        _NO_CREDENTIALS,
    ),
    ((ParamValidationError,), _CLIENT_BUG),
    ((ConnectionError, HTTPClientError, AioHttpClientError, TimeoutError, OSError), _TRANSIENT),
    ((429,), _THROTTLED),
    ((range(500, 600), 0), _TRANSIENT),
    ((range(400, 500),), _REJECTED),
    ((BotoCoreError,), _CLIENT_BUG),
    ((ClientError, Exception), _TRANSIENT),
)
"""The one table from a failed Publish to our error, read top to bottom."""

_CREDENTIAL_SHAPED = re.compile(r"(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}|[A-Za-z0-9/+=]{40,}")


def safe_aws_message(text: str) -> str:
    """The first line of an AWS message, cut to 300 characters, credential-shaped runs removed."""
    first = _CREDENTIAL_SHAPED.sub("[redacted]", text.strip().split("\n", 1)[0])
    return first if len(first) <= 300 else first[:297] + "..."


def _matches(match: Match, err: Exception, code: str | None, status: int | None) -> bool:
    if isinstance(match, str):
        return code == match
    if isinstance(match, range):
        return status is not None and status in match
    if isinstance(match, int):
        return status == match
    return isinstance(err, match)


def map_publish_error(
    err: Exception, *, topic_arn: str, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
) -> SharedActivityError:
    """Our error for a failed Publish, by the first matching row of `PUBLISH_ERROR_TABLE`.

    Details carry ``error_code`` (the AWS code or the exception's class), ``error_message``
    (first line, credentials removed), ``http_status`` (None without an answer), ``topic_arn``.
    """
    code: str | None = None
    status: int | None = None
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "Unknown")
        message = str(error.get("Message") or "")
        try:
            status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        except (TypeError, ValueError):
            status = 0
    else:
        message = str(err)
    failure = next(
        (
            f
            for matches, f in PUBLISH_ERROR_TABLE
            if any(_matches(m, err, code, status) for m in matches)
        ),
        _TRANSIENT,
    )
    name = code or type(err).__name__
    message = safe_aws_message(message)
    expected = isinstance(err, ClientError | BotoCoreError | AioHttpClientError | OSError)
    logger.warning(
        "SNS Publish to %r failed: %s: %s (%s)",
        topic_arn,
        name,
        message,
        failure.error.error_type,
        exc_info=not expected,  # an unknown exception's stack is needed to fix it
    )
    delay: timedelta | None = None
    if issubclass(failure.error, NotificationThrottledError):
        delay = THROTTLE_RETRY_DELAY
    elif issubclass(failure.error, OperatorActionRequired):
        delay = operator_retry_delay
    cause = failure.cause.format(topic=repr(topic_arn))
    return failure.error(
        f"SNS Publish failed: {cause} ({name}: {message})"
        if message
        else f"SNS Publish failed: {cause} ({name})",
        {
            "error_code": name,
            "error_message": message,
            "http_status": status,
            "topic_arn": topic_arn,
        },
        next_retry_delay=delay,
    )
