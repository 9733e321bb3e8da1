"""`SendEventActivity`: publishes a workflow event, idempotently, to the configured bus."""

from __future__ import annotations

import logging
from typing import Any

from temporalio import activity
from workflow_contracts import SEND_EVENT_ACTIVITY, EventReceipt, TemporalContext

from workflow_events._ports import EventPublisher
from workflow_events.entry import DEFAULT_MAX_ENTRY_BYTES, MAX_ENTRY_BYTES_LIMIT, build_entry
from workflow_events.ids import event_id_for

__all__ = ["SendEventActivity"]

logger = logging.getLogger(__name__)


class SendEventActivity:
    """Publishes events for workflows; register ``SendEventActivity(...).run`` on a worker.

    Every retry of one activity execution publishes the same event: same id (derived from the
    workflow, run and activity ids), same time (when the activity was first scheduled), same
    content, so consumers drop duplicates by ``detail.id``.
    """

    def __init__(
        self,
        publisher: EventPublisher,
        *,
        source_prefix: str | None = None,
        max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES,
    ) -> None:
        """Configures the activity.

        Args:
            publisher: Where events go (`BatchingPublisher`/`DirectPublisher` over the
                EventBridge backend, or a fake in tests).
            source_prefix: Optional namespace before every source: ``"acme.data"`` publishes
                source ``"ingestion"`` as ``Source = "acme.data.ingestion"``; ``detail.source``
                keeps the logical source.
            max_entry_bytes: Entry size limit (AWS's formula), 256 KiB by default, at most
                1 MiB (buses accept 1 MiB entries since January 2026).
        """
        if not 0 < max_entry_bytes <= MAX_ENTRY_BYTES_LIMIT:
            raise ValueError(f"max_entry_bytes must be 1..{MAX_ENTRY_BYTES_LIMIT}")
        self._publisher = publisher
        self._source_prefix = source_prefix
        self._max_entry_bytes = max_entry_bytes

    @activity.defn(name=SEND_EVENT_ACTIVITY)
    async def run(self, source: str, event_type: str, data: dict[str, Any]) -> EventReceipt:
        """Publishes ``data`` as an event of ``event_type`` from ``source``.

        Args:
            source: Logical source, e.g. ``"ingestion"``.
            event_type: Event type, e.g. ``"file_ingested_successfully"`` (the DetailType).
            data: Event payload, a JSON object.

        Returns:
            The receipt, with the stable event id.

        Raises:
            InvalidEventError: Bad source, event type or data (non-retryable, nothing sent).
            EventTooLargeError: Entry over the size limit (non-retryable, nothing sent).
            EventRejectedError: The bus refused the entry (non-retryable).
            EventBusNotFoundError: The bus does not exist (non-retryable).
            EventPublishRetryableError: Transient failure (retried by Temporal).
        """
        info = activity.info()
        context = TemporalContext.from_activity_info(info)
        event_id = event_id_for(context)
        entry, envelope = build_entry(
            event_id=event_id,
            source=source,
            event_type=event_type,
            data=data,
            time=info.scheduled_time,
            context=context,
            source_prefix=self._source_prefix,
            max_entry_bytes=self._max_entry_bytes,
        )
        bus_event_id = await self._publisher.publish(entry)
        if logger.isEnabledFor(logging.INFO):  # skip building the extra dict when off
            logger.info(
                "event published",
                extra={
                    "event_id": event_id,
                    "event_source": entry.source,
                    "event_type": entry.detail_type,
                    "workflow_id": info.workflow_id,
                    "attempt": info.attempt,
                },
            )
        return EventReceipt(
            event_id=event_id,
            source=entry.source,
            event_type=entry.detail_type,
            time=envelope.time,
            bus_event_id=bus_event_id,
        )
