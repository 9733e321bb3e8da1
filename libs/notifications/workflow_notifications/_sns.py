"""The SNS backend, on a long-lived aioboto3 ``sns`` client owned by the worker.

botocore's own retries are off (``total_max_attempts=1``) so that Temporal's retry policy
alone governs: nested retries would multiply into retry storms and hide failures from the
workflow's history. What botocore and aiohttp raise becomes our error in one place,
`workflow_notifications.PUBLISH_ERROR_TABLE`, raised ``from None`` so Temporal
records a short typed failure, not the driver's stack.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aioboto3
from aiobotocore.config import AioConfig
from workflow_activity_kit.aws import AWS_CLIENT_CONFIG, open_aws_client
from workflow_contracts.errors import OPERATOR_RETRY_DELAY

from workflow_notifications._port import NotificationRequest, PublishOutcome
from workflow_notifications._sns_errors import map_publish_error

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sns.type_defs import PublishInputTypeDef
else:
    SNSClient = Any
    PublishInputTypeDef = dict

__all__ = ["SNS_CLIENT_CONFIG", "SnsPublisher", "open_sns_client", "publish_arguments"]

SNS_CLIENT_CONFIG: AioConfig = AWS_CLIENT_CONFIG
"""botocore settings of the sns client (`workflow_activity_kit.aws.AWS_CLIENT_CONFIG`): no SDK
retries (Temporal retries), bounded timeouts, a pool large enough for concurrent activities on
one worker."""


def publish_arguments(request: NotificationRequest) -> PublishInputTypeDef:
    """The ``Publish`` parameters of a request (the same bytes on every retry)."""
    arguments: PublishInputTypeDef = {
        "TopicArn": request.topic_arn,
        "Message": request.message,
        "MessageAttributes": {
            name: {"DataType": "String", "StringValue": value} for name, value in request.attributes
        },
    }
    if request.subject is not None:
        arguments["Subject"] = request.subject
    if request.fifo:
        # The execution id: a retry of the same execution within SNS's 5-minute window is
        # dropped by the topic, so a FIFO subscriber receives the notification once.
        arguments["MessageDeduplicationId"] = request.notification_id
    if request.group_id is not None:
        arguments["MessageGroupId"] = request.group_id
    return arguments


class SnsPublisher:
    """Publishes notifications with SNS ``Publish`` on an open client."""

    def __init__(
        self, client: SNSClient, *, operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
    ) -> None:
        """Configures the backend.

        Args:
            client: An open aioboto3 ``sns`` client.
            operator_retry_delay: ``next_retry_delay`` of what an operator fixes (a missing
                topic, a permission, credentials).
        """
        if operator_retry_delay <= timedelta(0):
            raise ValueError("operator_retry_delay must be positive")
        self._client = client
        self._operator_retry_delay = operator_retry_delay

    async def publish(self, request: NotificationRequest) -> PublishOutcome:
        """One Publish call.

        Raises:
            SharedActivityError: As `PUBLISH_ERROR_TABLE` says.
        """
        try:
            response = await self._client.publish(**publish_arguments(request))
        except Exception as err:
            raise map_publish_error(
                err, topic_arn=request.topic_arn, operator_retry_delay=self._operator_retry_delay
            ) from None
        return PublishOutcome(response.get("MessageId"), response.get("SequenceNumber"))


def open_sns_client(
    *,
    session: aioboto3.Session | None = None,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    config: AioConfig = SNS_CLIENT_CONFIG,
) -> AbstractAsyncContextManager[SNSClient]:
    """Opens one long-lived ``sns`` client for a worker's lifetime (``async with``).

    Credentials come from the AWS credential chain of ``session``; they are never passed
    through or logged here.
    """
    return open_aws_client(
        "sns", session=session, region_name=region_name, endpoint_url=endpoint_url, config=config
    )
