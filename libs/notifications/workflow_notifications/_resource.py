"""One worker's SNS client, open only while the worker runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from botocore.exceptions import NoRegionError
from workflow_activity_kit import Probe, WorkerScope
from workflow_contracts.errors import OPERATOR_RETRY_DELAY
from workflow_contracts.notifications import NotificationAccessDeniedError

from workflow_notifications._port import (
    NotificationPublisher,
    NotificationRequest,
    PublishOutcome,
)
from workflow_notifications._settings import NotificationSettings
from workflow_notifications._sns import SnsPublisher, open_sns_client

__all__ = ["NotificationResource"]

logger = logging.getLogger(__name__)


class NotificationResource:
    """One worker's SNS publisher, open only while the worker runs (the port, delegating).

    The plugin opens it when the worker starts and closes it when the worker stops; nothing
    is opened at import or construction.
    """

    def __init__(
        self,
        settings: NotificationSettings | None = None,
        *,
        publisher: NotificationPublisher | None = None,
    ) -> None:
        """Starts closed, or open on ``publisher`` (tests)."""
        self.settings = settings or NotificationSettings()
        self._publisher = publisher
        self._no_region = False
        self._operator_retry_delay = OPERATOR_RETRY_DELAY

    @asynccontextmanager
    async def open(self, scope: WorkerScope) -> AsyncIterator[NotificationResource]:
        """Opens the ``sns`` client for the worker's run; closes it after.

        A worker with no AWS region anywhere still starts (its other activities work): each
        notification then fails with the operator error naming the fix.
        """
        settings = self.settings
        operator_retry_delay = scope.operator_retry_delay
        async with AsyncExitStack() as stack:
            try:
                client = await stack.enter_async_context(
                    open_sns_client(
                        region_name=settings.region or scope.aws_region,
                        endpoint_url=settings.endpoint_url or scope.aws_endpoint_url,
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

    def probes(self) -> Mapping[str, Probe]:
        """None: SNS has no cheap check that needs no extra permission (see the docs)."""
        return {}
