"""Configuration of the shared activities for one worker (explicit values, no environment)."""

from dataclasses import dataclass, field
from datetime import timedelta

from workflow_contracts import DEFAULT_TRANSITIONS, OPERATOR_RETRY_DELAY, TransitionGraph
from workflow_events import DEFAULT_MAX_ENTRY_BYTES
from workflow_file_status import DEFAULT_SQLITE_URL
from workflow_file_status.engine import database_pooler
from workflow_notifications import NotificationSettings

# shared-activity-generator: imports

__all__ = ["SharedActivitiesConfig"]


@dataclass(frozen=True)
class SharedActivitiesConfig:
    """What the worker's shared activities connect to.

    Attributes:
        event_bus_name: EventBridge bus name or ARN.
        database_url: SQLAlchemy URL; SQLite file by default, ``postgresql+asyncpg://`` in
            production. Secret: never logged.
        aws_region: Region of the events client (None: the AWS configuration chain decides).
        aws_endpoint_url: Custom endpoint (a local emulator); None for AWS.
        event_source_prefix: Optional namespace before every event source.
        max_entry_bytes: Event size limit (AWS formula), up to 1 MiB.
        batching: Coalesce concurrent events into PutEvents calls of up to ten entries.
        batch_max_wait: Longest an event waits for its batch to fill.
        transitions: The file lifecycle.
        migrate: Run the schema migrations when the worker starts (handy for SQLite and demos;
            in production run ``workflow_file_status.migrate`` as a deploy step, as the schema
            owner, and give the worker's role only the grants of its ``grant`` command).
        operator_retry_delay: Delay before retrying what an operator must fix (a missing
            bus, a permission, a schema not migrated, a read-only database).
        database_pool_size: Connections the worker's engine keeps open (PostgreSQL).

    Each per-activity package adds its own settings object below (its defaults keep a
    worker working without them).
    """

    event_bus_name: str
    database_url: str = DEFAULT_SQLITE_URL
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    event_source_prefix: str | None = None
    max_entry_bytes: int = DEFAULT_MAX_ENTRY_BYTES
    batching: bool = True
    batch_max_wait: timedelta = timedelta(milliseconds=5)
    transitions: TransitionGraph = field(default_factory=lambda: DEFAULT_TRANSITIONS)
    migrate: bool = False
    operator_retry_delay: timedelta = OPERATOR_RETRY_DELAY
    database_pool_size: int = 10
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    # shared-activity-generator: settings

    def __post_init__(self) -> None:
        """Refuses a database URL naming an unknown pooler, before any worker starts.

        Raises:
            ValueError: ``?pooler=`` names no known pooler (the URL is never quoted).
        """
        database_pooler(self.database_url)

    def __repr__(self) -> str:
        """Leaves the database URL (it may hold a password) out."""
        return (
            f"SharedActivitiesConfig(event_bus_name={self.event_bus_name!r},"
            f" aws_region={self.aws_region!r}, batching={self.batching})"
        )
