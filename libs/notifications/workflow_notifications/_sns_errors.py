"""What a failed SNS Publish becomes: SNS's error rows, most specific first.

SNS's own codes (Publish's documented errors), then the rows every AWS backend shares
(`workflow_activity_kit.aws.aws_rows`: credentials, botocore standard retry mode's transient
and throttling codes, exceptions raised before any answer, HTTP statuses, a catch-all), read
by the kit's one engine.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from botocore.exceptions import NoRegionError
from workflow_activity_kit import ErrorRow
from workflow_activity_kit.aws import THROTTLE_RETRY_DELAY, AwsCall, aws_rows, map_aws_error
from workflow_contracts.errors import OPERATOR_RETRY_DELAY, SharedActivityError
from workflow_contracts.notifications import (
    NotificationAccessDeniedError,
    NotificationFailedError,
    NotificationRejectedError,
    NotificationThrottledError,
    NotificationTopicNotFoundError,
)

__all__ = ["PUBLISH_ERROR_TABLE", "map_publish_error"]

logger = logging.getLogger(__name__)

_PUBLISH = AwsCall("SNS Publish", "topic_arn", "SNS Publish to %r", logger)

# The fix comes first (a message is cut at 500 characters); {target} is the topic's ARN.
_NO_PERMISSION = ErrorRow(
    NotificationAccessDeniedError,
    "the worker may not publish to {target}: grant sns:Publish on the topic to the worker's"
    " AWS identity",
)
_NO_CREDENTIALS = ErrorRow(
    NotificationAccessDeniedError,
    "the worker has no valid AWS credentials or region: provide them through the AWS"
    " credential chain (environment, profile, container or instance role)",
)
_THROTTLED = ErrorRow(
    NotificationThrottledError,
    "throttled by SNS; retried after a delay",
    delay=THROTTLE_RETRY_DELAY,
)
_REJECTED = ErrorRow(NotificationRejectedError, "SNS refused the publish; not retried")

PUBLISH_ERROR_TABLE: tuple[ErrorRow, ...] = (
    ErrorRow(
        NotificationTopicNotFoundError,
        "the topic {target} does not exist: create it in this account and region, or fix the"
        " topic ARN the caller or the worker is configured with",
        codes=frozenset({"NotFound", "NotFoundException", "ResourceNotFoundException"}),
    ),
    replace(
        _NO_PERMISSION,
        codes=frozenset({"AuthorizationError", "AuthorizationErrorException", "AccessDenied"}),
    ),
    replace(_NO_PERMISSION, codes=frozenset({"AccessDeniedException"})),
    ErrorRow(
        NotificationAccessDeniedError,
        "the topic {target} is encrypted with a KMS key the worker cannot use: enable the key and"
        " grant kms:GenerateDataKey and kms:Decrypt on it to the worker's AWS identity",
        codes=frozenset(
            {"KMSAccessDenied", "KMSDisabled", "KMSInvalidState", "KMSNotFound", "KMSOptInRequired"}
        ),
    ),
    replace(
        _REJECTED,
        codes=frozenset(
            {"InvalidParameter", "InvalidParameterValue", "ValidationError", "InvalidSecurity"}
        ),
    ),
    # SNS's own throttling codes; botocore's are among the shared rows.
    replace(
        _THROTTLED,
        codes=frozenset({"Throttled", "KMSThrottling"}),
    ),
    replace(_NO_CREDENTIALS, types=(NoRegionError,)),
    *aws_rows(
        no_credentials=_NO_CREDENTIALS,
        transient=ErrorRow(NotificationFailedError, "transient failure; retried"),
        throttled=_THROTTLED,
        client_bug=ErrorRow(NotificationRejectedError, "the worker built an invalid request"),
        rejected=_REJECTED,
    ),
)
"""The one table from a failed Publish to our error, read top to bottom."""


def map_publish_error(
    err: Exception, *, topic_arn: str, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
) -> SharedActivityError:
    """Our error for a failed Publish, by the first matching row of `PUBLISH_ERROR_TABLE`.

    Details carry ``error_code`` (the AWS code or the exception's class), ``error_message``
    (first line, credentials removed), ``http_status`` (None without an answer), ``topic_arn``.
    """
    return map_aws_error(
        err,
        PUBLISH_ERROR_TABLE,
        _PUBLISH,
        target=topic_arn,
        operator_retry_delay=operator_retry_delay,
    )
