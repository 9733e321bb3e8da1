"""Configuration of the shared activities for one worker (explicit values, no environment).

The fields typed ``Annotated[Settings, PACKAGE]`` are the list of packages a worker runs, in
the order their clients open (and the reverse of the order they close): adding a shared
activity package is one line here.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from workflow_activity_kit import ActivityPackage, WorkerScope, configured_packages
from workflow_contracts.errors import OPERATOR_RETRY_DELAY
from workflow_events import EVENTS, EventSettings
from workflow_file_status import FILE_STATUS, FileStatusSettings
from workflow_notifications import NOTIFICATIONS, NotificationSettings

# shared-activity-generator: imports

__all__ = ["SharedActivitiesConfig"]


@dataclass(frozen=True)
class SharedActivitiesConfig:
    """What the worker's shared activities connect to: one settings object per package.

    Attributes:
        events: ``shared.send_event`` (`EventSettings`: the bus, batching, size limit).
        file_status: ``shared.update_file_status`` (`FileStatusSettings`: the database URL,
            pool, migrations, lifecycle). SQLite file by default.
        notifications: ``shared.send_notification`` (`NotificationSettings`: all optional).
        aws_region: Region of the AWS clients (None: the AWS configuration chain decides);
            a package's own ``region`` wins.
        aws_endpoint_url: Custom AWS endpoint (a local emulator); None for AWS; a package's
            own ``endpoint_url`` wins.
        operator_retry_delay: Delay before retrying what an operator must fix (a missing
            bus, a permission, a schema not migrated, a read-only database).
    """

    events: Annotated[EventSettings, EVENTS]
    file_status: Annotated[FileStatusSettings, FILE_STATUS] = field(
        default_factory=FileStatusSettings
    )
    notifications: Annotated[NotificationSettings, NOTIFICATIONS] = field(
        default_factory=NotificationSettings
    )
    # shared-activity-generator: packages
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY

    def packages(self) -> list[tuple[ActivityPackage[Any, Any], object]]:
        """The packages this configuration lists, each with its settings, in opening order."""
        return configured_packages(self)

    def scope(self, namespace: str) -> WorkerScope:
        """What every package learns about a worker of ``namespace``."""
        return WorkerScope(
            namespace=namespace,
            aws_region=self.aws_region,
            aws_endpoint_url=self.aws_endpoint_url,
            operator_retry_delay=self.operator_retry_delay,
        )

    def __repr__(self) -> str:
        """Names the bus and region only (a package's settings may hold a secret)."""
        return (
            f"SharedActivitiesConfig(event_bus_name={self.events.bus_name!r},"
            f" aws_region={self.aws_region!r}, batching={self.events.batching})"
        )
