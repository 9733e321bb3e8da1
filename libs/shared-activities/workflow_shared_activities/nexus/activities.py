"""The activities behind the Nexus operations: the shared activities, keyed by the caller.

Each does what its shared activity does (the same validation, the same typed errors, the same
statement or publish) with one difference: the Temporal context it records, and derives the
idempotency key from, is the *caller's* workflow and call (`NexusCaller.context`), not the
platform workflow that runs it. So the key is the same on every attempt, in every run of the
platform workflow, for every retried Nexus request of that call; and a history row or an
event names the workflow that asked for the change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from temporalio import activity
from workflow_contracts import EventReceipt, NotificationReceipt, StatusChange
from workflow_contracts.errors import SharedActivityError
from workflow_contracts.nexus import EventRequest, FileStatusRequest, NotificationRequest
from workflow_contracts.notifications import NotificationTopicNotFoundError
from workflow_events import EVENTS
from workflow_events._activity import parse_event_time
from workflow_events._entry import build_entry
from workflow_events._telemetry import EventTelemetry
from workflow_events._trace_context import caller_trace_context
from workflow_file_status import FILE_STATUS
from workflow_file_status._ids import parse_file_id, parse_status
from workflow_file_status._telemetry import StatusTelemetry, traced_change
from workflow_notifications import NOTIFICATIONS
from workflow_notifications._validation import build_request

from workflow_shared_activities._config import SharedActivitiesConfig

if TYPE_CHECKING:
    from workflow_shared_activities._resources import WorkerResources

__all__ = [
    "NEXUS_SEND_EVENT_ACTIVITY",
    "NEXUS_SEND_NOTIFICATION_ACTIVITY",
    "NEXUS_UPDATE_FILE_STATUS_ACTIVITY",
    "NexusOperationActivities",
]

logger = logging.getLogger(__name__)

NEXUS_UPDATE_FILE_STATUS_ACTIVITY = "shared.nexus.update_file_status"
"""Activity of the ``update_file_status`` operation (platform namespace only)."""

NEXUS_SEND_EVENT_ACTIVITY = "shared.nexus.send_event"
"""Activity of the ``send_event`` operation (platform namespace only)."""

NEXUS_SEND_NOTIFICATION_ACTIVITY = "shared.nexus.send_notification"
"""Activity of the ``send_notification`` operation (platform namespace only)."""


class NexusOperationActivities:
    """The three operation activities over one worker's `WorkerResources`."""

    def __init__(self, resources: WorkerResources, config: SharedActivitiesConfig) -> None:
        """Binds the activities to the worker's resources (open while it runs)."""
        self._resources = resources
        self._config = config
        self._status_telemetry = StatusTelemetry()
        self._event_telemetry = EventTelemetry()

    def all(self) -> list[Callable[..., Any]]:
        """The activities to register."""
        return [self.update_file_status, self.send_event, self.send_notification]

    @activity.defn(name=NEXUS_UPDATE_FILE_STATUS_ACTIVITY)
    async def update_file_status(self, request: FileStatusRequest) -> StatusChange:
        """`UpdateFileStatusActivity.run` for the caller of ``request``.

        Raises:
            SharedActivityError: The errors of ``shared.update_file_status``
                (`InvalidFileIdError`, `InvalidStatusError`, `UnknownFileError`...), with the
                same retryability.
        """
        file_id = parse_file_id(request.file_id)
        target = parse_status(request.status)
        context = request.caller.context(activity.info().attempt)
        return await traced_change(
            self._status_telemetry.metrics(),
            file_id,
            target,
            lambda: self._resources[FILE_STATUS].change_status(
                file_id, target, context, self._config.file_status.transitions
            ),
        )

    @activity.defn(name=NEXUS_SEND_EVENT_ACTIVITY)
    async def send_event(self, request: EventRequest) -> EventReceipt:
        """`SendEventActivity.run` for the caller of ``request``, at the caller's time.

        Raises:
            SharedActivityError: The errors of ``shared.send_event`` (`InvalidEventError`,
                `EventTooLargeError`, `EventBusNotFoundError`...), with the same retryability.
        """
        context = request.caller.context(activity.info().attempt)
        event_id = request.caller.execution_id
        trace, trace_header = caller_trace_context()
        entry, envelope = build_entry(
            event_id=event_id,
            source=request.source,
            event_type=request.event_type,
            data=request.data,
            time=parse_event_time(request.time),
            context=context,
            source_prefix=self._config.events.source_prefix,
            max_entry_bytes=self._config.events.max_entry_bytes,
            trace=trace,
            trace_header=trace_header,
        )
        metrics = self._event_telemetry.metrics()
        try:
            bus_event_id = await self._resources[EVENTS].publish(entry)
        except SharedActivityError as err:
            if metrics is not None:
                metrics.record(entry, err)
            raise
        if metrics is not None:
            metrics.record(entry, None)
        logger.info(
            "event published for %s",
            request.caller.workflow_id,
            extra={"event_id": event_id, "event_type": entry.detail_type},
        )
        return EventReceipt(
            event_id=event_id,
            source=entry.source,
            event_type=entry.detail_type,
            time=envelope.time,
            bus_event_id=bus_event_id,
        )

    @activity.defn(name=NEXUS_SEND_NOTIFICATION_ACTIVITY)
    async def send_notification(self, request: NotificationRequest) -> NotificationReceipt:
        """`SendNotificationActivity.run` for the caller of ``request``.

        Raises:
            SharedActivityError: The errors of ``shared.send_notification``
                (`InvalidNotificationError`, `NotificationTopicNotFoundError`...), with the
                same retryability.
        """
        notification_id = request.caller.execution_id
        settings = self._config.notifications
        publisher = self._resources[NOTIFICATIONS]
        topic_arn = request.topic_arn or settings.topic_arn
        if topic_arn is None:
            raise NotificationTopicNotFoundError(
                "no topic: the caller passed none and the platform worker has no default;"
                " pass a topic ARN or configure NotificationSettings(topic_arn=...)",
                {"field": "topic_arn"},
                next_retry_delay=publisher.operator_retry_delay,
            )
        built = build_request(
            notification_id,
            topic_arn,
            request.subject,
            request.message,
            request.attributes,
            request.group_id,
            max_message_bytes=settings.max_message_bytes,
        )
        outcome = await publisher.publish(built)
        return NotificationReceipt(
            notification_id=notification_id,
            topic_arn=built.topic_arn,
            message_id=outcome.message_id,
            sequence_number=outcome.sequence_number,
        )
