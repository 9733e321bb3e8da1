"""Typed results the shared activities return to workflows."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from workflow_contracts._status import FileStatus

__all__ = ["EventReceipt", "StatusChange"]


@dataclass(frozen=True)
class EventReceipt:
    """What `SendEventActivity` returns once the bus accepted the event.

    Attributes:
        event_id: Our stable event id (the same on every retry of one activity execution);
            consumers drop duplicates by it.
        source: The EventBridge ``Source`` the event was published under.
        event_type: The EventBridge ``DetailType``.
        time: The event time (UTC).
        bus_event_id: The id EventBridge assigned to this PutEvents entry (differs per try).
    """

    event_id: str
    source: str
    event_type: str
    time: datetime
    bus_event_id: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """What `UpdateFileStatusActivity` returns.

    Attributes:
        file_id: The file.
        previous: Status before the update.
        current: Status after the update.
        changed: False when the file already had the requested status (a no-op).
        version: The file's version after the update (incremented on every change).
    """

    file_id: UUID
    previous: FileStatus
    current: FileStatus
    changed: bool
    version: int
