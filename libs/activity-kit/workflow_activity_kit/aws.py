"""The AWS rows every aioboto3 backend shares, and what turns a failed call into our error.

Needs aioboto3 (the ``aws`` extra, which an aioboto3 backend has anyway).

`open_aws_client` opens a backend's one long-lived client with `AWS_CLIENT_CONFIG`: botocore's
own retries off (``total_max_attempts=1``) so that Temporal's retry policy alone governs
(nested retries would multiply into retry storms and hide failures from the workflow's
history), bounded timeouts, a pool large enough for concurrent activities on one worker.

A backend's table is its service's own rows (the codes its API documents) followed by
`aws_rows`: the credential codes, then botocore standard retry mode's transient and
throttling codes (``botocore/retries/standard.py``; its own retries are off, Temporal alone
retries), the exceptions raised before any answer, the HTTP status of any other answer, and a
catch-all. `map_aws_error` reads the table and writes the message: the cause and fix first,
then the AWS code and the first line of its message, credentials removed.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

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
from workflow_contracts.errors import SharedActivityError

from workflow_activity_kit._aws_client import AWS_CLIENT_CONFIG, open_aws_client
from workflow_activity_kit._error_table import ErrorFacts, ErrorRow, first_row
from workflow_activity_kit._scrub import safe_message, shorten, shorten_in

__all__ = [
    "AWS_CLIENT_CONFIG",
    "THROTTLE_RETRY_DELAY",
    "AwsCall",
    "aws_facts",
    "aws_rows",
    "map_aws_error",
    "open_aws_client",
    "safe_aws_message",
]

THROTTLE_RETRY_DELAY = timedelta(seconds=1)
"""Next-retry-delay hint given to Temporal for a throttled call or entry."""

# An access key id, or a long base64 run (a secret key, a session token, a signature).
_CREDENTIAL_SHAPED = re.compile(r"(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}|[A-Za-z0-9/+=]{40,}")
_MAX_AWS_MESSAGE_CHARS = 300


def safe_aws_message(text: str) -> str:
    """The first line of an AWS or botocore message, cut, with credential-shaped runs removed.

    AWS's signature errors go on to quote the canonical request, whose signed headers can
    include the session token: only the first line is kept, and anything shaped like a key
    or a token is replaced, so the text is safe in logs and in Temporal's history.
    """
    return safe_message(text, _MAX_AWS_MESSAGE_CHARS, [(_CREDENTIAL_SHAPED, "[redacted]")])


def aws_rows(
    *,
    no_credentials: ErrorRow,
    transient: ErrorRow,
    throttled: ErrorRow,
    client_bug: ErrorRow,
    rejected: ErrorRow,
) -> tuple[ErrorRow, ...]:
    """The rows every AWS backend ends its table with, given its own error and cause for each.

    Each argument is a row without criteria (``ErrorRow(OurError, "cause")``); the throttled
    rows get `THROTTLE_RETRY_DELAY`.

    Args:
        no_credentials: No valid credentials (codes and exceptions).
        transient: A transient failure: retried with Temporal's back-off.
        throttled: Throttled: retried after `THROTTLE_RETRY_DELAY`.
        client_bug: A request the client itself refuses (a bug of the worker).
        rejected: Any other 4xx answer.
    """
    throttled = dataclasses.replace(throttled, delay=THROTTLE_RETRY_DELAY)
    return (
        dataclasses.replace(
            no_credentials,
            codes=frozenset(
                {
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
                }
            ),
        ),
        # botocore standard retry mode's transient codes (PriorRequestNotComplete is in both
        # of its lists; a plain retry suits it), and the services' internal errors.
        dataclasses.replace(
            transient,
            codes=frozenset(
                {
                    "RequestTimeout",
                    "RequestTimeoutException",
                    "PriorRequestNotComplete",
                    "InternalFailure",
                    "InternalException",
                    "InternalError",
                    "InternalServerError",
                    "ServiceUnavailable",
                    "ServiceUnavailableException",
                }
            ),
        ),
        # botocore standard retry mode's throttling codes.
        dataclasses.replace(
            throttled,
            codes=frozenset(
                {
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
                }
            ),
        ),
        # Raised before any answer: credentials, a request the client refuses, the network.
        dataclasses.replace(
            no_credentials,
            types=(
                NoCredentialsError,
                PartialCredentialsError,
                CredentialRetrievalError,
                UnknownCredentialError,
                NoAuthTokenError,
                TokenRetrievalError,
                SSOError,
                RefreshWithMFAUnsupportedError,
            ),
        ),
        dataclasses.replace(client_bug, types=(ParamValidationError, ValidationError)),
        # botocore's transient exception classes (ReadTimeoutError, EndpointConnectionError,
        # ConnectTimeoutError are among them), aiohttp's, and the OS's.
        dataclasses.replace(
            transient,
            types=(ConnectionError, HTTPClientError, AioHttpClientError, TimeoutError, OSError),
        ),
        # Any other code, by the answer's HTTP status (0: the answer carried none).
        dataclasses.replace(throttled, statuses=(429,)),
        dataclasses.replace(transient, statuses=(range(500, 600), 0)),
        dataclasses.replace(rejected, statuses=(range(400, 500),)),
        # Anything else botocore raises is a client-side problem (botocore retries none of
        # it); an unknown exception is retried rather than losing the call (logged in full).
        dataclasses.replace(client_bug, types=(BotoCoreError,)),
        dataclasses.replace(transient, types=(ClientError, Exception)),
    )


def aws_facts(err: Exception) -> ErrorFacts:
    """What the rows match of a failed call: a `ClientError`'s code, status and message.

    Only ``err`` itself is matched by type (not what it wraps). Its message is made safe
    with `safe_aws_message`.
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
            status = 0  # the answer carried no usable status
    else:
        message = str(err)
    name = type(err).__name__
    return ErrorFacts((err,), name, None, code, safe_aws_message(message), status)


@dataclass(frozen=True, slots=True)
class AwsCall:
    """A backend's call, as its errors and its log name it.

    Attributes:
        name: Starts the message (``PutEvents`` gives ``PutEvents failed: ...``).
        target_field: The ``details`` key of the target (``bus_name``), given in full.
        log: The log line's start, ``%r`` standing for the target (``PutEvents on bus %r``).
        logger: Where the failure is logged, at WARNING.
        shorten: A long target (an ARN) is cut in its middle in the message, so the fix
            always fits in it.
    """

    name: str
    target_field: str
    log: str
    logger: logging.Logger
    shorten: bool = False


def map_aws_error(
    err: Exception,
    rows: Sequence[ErrorRow],
    call: AwsCall,
    *,
    target: str,
    operator_retry_delay: timedelta,
) -> SharedActivityError:
    """Our error for a failed call, by the first matching row (the last row when none does).

    Its message names the cause and the fix (``{target}`` in a row's cause stands for the
    target, quoted); its details carry ``error_code`` (the AWS code, or the exception's
    class), ``error_message`` (first line, credentials removed), ``http_status`` (None when
    there was no answer) and the target under ``call.target_field`` (in full).
    """
    facts = aws_facts(err)
    row = first_row(facts, rows) or rows[-1]
    name = facts.code or facts.error
    message = facts.message
    expected = isinstance(err, ClientError | BotoCoreError | AioHttpClientError | OSError)
    call.logger.warning(
        f"{call.log} failed: %s: %s (%s)",
        target,
        name,
        message,
        row.error.error_type,
        exc_info=not expected,  # an unknown exception's stack is needed to fix it
    )
    cause = row.cause.format(target=repr(shorten(target) if call.shorten else target))
    shown = shorten_in(message, target) if call.shorten else message
    return row.error(
        f"{call.name} failed: {cause} ({name}: {shown})"
        if message
        else f"{call.name} failed: {cause} ({name})",
        {
            "error_code": name,
            "error_message": message,
            "http_status": facts.status,
            call.target_field: target,
        },
        next_retry_delay=row.retry_delay(operator_retry_delay),
    )
