"""One worker's events client and publisher, open only while the worker runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from workflow_activity_kit import Probe, WorkerScope

from workflow_events._eventbridge import new_aioboto3_event_sender, open_events_client
from workflow_events._port import EventEntry
from workflow_events._publishers import BatchingPublisher, DirectPublisher
from workflow_events._settings import EventSettings

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient

__all__ = ["EventResource"]

_CLOSED = "the worker is not running: its events client is closed"


class EventResource:
    """The `EventPublisher` of one worker: delegates to the publisher opened with it.

    The activity is registered over this object when the worker is built; the plugin opens it
    when the worker starts (one aioboto3 ``events`` client) and closes it when the worker stops,
    sending what is queued first. Nothing is opened at import or construction.
    """

    def __init__(self, settings: EventSettings) -> None:
        """Starts closed."""
        self.settings = settings
        self._publisher: BatchingPublisher | DirectPublisher | None = None
        self._client: EventBridgeClient | None = None

    @asynccontextmanager
    async def open(self, scope: WorkerScope) -> AsyncIterator[EventResource]:
        """Opens the ``events`` client and the publisher; flushes and closes them on exit.

        Raises:
            RuntimeError: Already open (one worker run at a time).
        """
        if self._publisher is not None:
            raise RuntimeError("this events resource is already open for a running worker")
        settings = self.settings
        async with open_events_client(
            region_name=settings.region or scope.aws_region,
            endpoint_url=settings.endpoint_url or scope.aws_endpoint_url,
        ) as client:
            sender = new_aioboto3_event_sender(
                client, settings.bus_name, operator_retry_delay=scope.operator_retry_delay
            )
            publisher: BatchingPublisher | DirectPublisher = (
                BatchingPublisher(
                    sender,
                    max_wait=settings.batch_max_wait,
                    max_batch_bytes=settings.max_entry_bytes,
                )
                if settings.batching
                else DirectPublisher(sender)
            )
            self._publisher, self._client = publisher, client
            try:
                yield self
            finally:
                self._publisher, self._client = None, None
                await publisher.aclose()

    async def publish(self, entry: EventEntry) -> str:
        """Publishes through the worker's publisher; returns the bus's id for the entry."""
        if self._publisher is None:
            raise RuntimeError(_CLOSED)
        return await self._publisher.publish(entry)

    def probes(self) -> Mapping[str, Probe]:
        """``event_bus``: ``DescribeEventBus`` of the worker's bus (``events:DescribeEventBus``)."""
        return {"event_bus": self._describe_bus}

    async def _describe_bus(self) -> None:
        if self._client is None:
            raise RuntimeError(_CLOSED)
        await self._client.describe_event_bus(Name=self.settings.bus_name)
