"""The worker settings of ``shared.send_notification`` and its per-worker resource."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import NoRegionError
from workflow_contracts import OPERATOR_RETRY_DELAY, NotificationAccessDeniedError

from workflow_notifications._ports import (
    NotificationPublisher,
    NotificationRequest,
    PublishOutcome,
)
from workflow_notifications.aioboto3 import SnsPublisher, open_sns_client
from workflow_notifications.validation import MAX_MESSAGE_BYTES

__all__ = ["NotificationResource", "NotificationSettings"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationSettings:
    """Worker settings of ``shared.send_notification`` (``SharedActivitiesConfig.notifications``).

    All optional: a worker without them still starts, and a caller passing a topic ARN is
    served.

    Attributes:
        topic_arn: The topic used when a caller passes ``null`` as ``topic_arn``.
        endpoint_url: SNS endpoint (a local emulator); None: the worker's
            ``aws_endpoint_url``, else AWS (botocore's ``AWS_ENDPOINT_URL_SNS`` applies).
        region: SNS region; None: the worker's ``aws_region``.
        max_message_bytes: Message plus attributes limit (SNS: 256 KiB).
    """

    topic_arn: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    max_message_bytes: int = MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        """Rejects a limit SNS does not have."""
        if not 0 < self.max_message_bytes <= MAX_MESSAGE_BYTES:
            raise ValueError(f"max_message_bytes must be 1..{MAX_MESSAGE_BYTES}")


class NotificationResource:
    """One worker's SNS publisher, open only while the worker runs (the port, delegating).

    The plugin opens it when the worker starts and closes it when the worker stops; nothing
    is opened at import or construction.
    """

    def __init__(self, publisher: NotificationPublisher | None = None) -> None:
        """Starts closed, or open on ``publisher`` (tests)."""
        self._publisher = publisher
        self._no_region = False
        self._operator_retry_delay = OPERATOR_RETRY_DELAY

    @asynccontextmanager
    async def open(
        self,
        settings: NotificationSettings,
        *,
        aws_region: str | None = None,
        aws_endpoint_url: str | None = None,
        operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY,
    ) -> AsyncIterator[NotificationResource]:
        """Opens the ``sns`` client for the worker's run; closes it after.

        A worker with no AWS region anywhere still starts (its other activities work): each
        notification then fails with the operator error naming the fix.
        """
        async with AsyncExitStack() as stack:
            try:
                client = await stack.enter_async_context(
                    open_sns_client(
                        region_name=settings.region or aws_region,
                        endpoint_url=settings.endpoint_url or aws_endpoint_url,
                    )
                )
            except NoRegionError:
                logger.warning("no AWS region for SNS: shared.send_notification waits for one")
                self._no_region = True
            else:
                self._publisher = SnsPublisher(client, operator_retry_delay=operator_retry_delay)
            self._operator_retry_delay = operator_retry_delay
            try:
                yield self
            finally:
                self._publisher = None
                self._no_region = False

    @property
    def operator_retry_delay(self) -> timedelta:
        """How often an activity waiting for an operator retries (the worker's setting)."""
        return self._operator_retry_delay

    async def publish(self, request: NotificationRequest) -> PublishOutcome:
        """Publishes through the worker's client."""
        if self._publisher is None:
            if self._no_region:
                raise NotificationAccessDeniedError(
                    "SNS Publish failed: no AWS region is configured for SNS: set the worker's"
                    " aws_region (or NotificationSettings.region, or AWS_DEFAULT_REGION)",
                    {"error_code": "NoRegionError", "topic_arn": request.topic_arn},
                    next_retry_delay=self._operator_retry_delay,
                )
            raise RuntimeError("the worker is not running: its SNS client is closed")
        return await self._publisher.publish(request)
