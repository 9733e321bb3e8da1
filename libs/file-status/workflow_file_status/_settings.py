"""The worker settings of ``shared.update_file_status`` (``SharedActivitiesConfig.file_status``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflow_contracts import DEFAULT_TRANSITIONS, TransitionGraph

from workflow_file_status._engine import DEFAULT_SQLITE_URL, database_pooler

__all__ = ["FileStatusSettings"]


@dataclass(frozen=True)
class FileStatusSettings:
    """Where a worker keeps file status, and the lifecycle it enforces.

    Attributes:
        database_url: SQLAlchemy URL; SQLite file by default, ``postgresql+asyncpg://`` in
            production (``?pooler=transaction`` behind PgBouncer). Secret: never logged.
        pool_size: Connections the worker's engine keeps open (PostgreSQL).
        migrate: Run the schema migrations when the worker starts (handy for SQLite and demos;
            in production run ``python -m workflow_file_status.migrate`` as a deploy step, as
            the schema owner, and give the worker's role only the grants of its ``grant``
            command).
        transitions: The file lifecycle.
    """

    database_url: str = DEFAULT_SQLITE_URL
    pool_size: int = 10
    migrate: bool = False
    transitions: TransitionGraph = field(default_factory=lambda: DEFAULT_TRANSITIONS)

    def __post_init__(self) -> None:
        """Refuses a database URL naming an unknown pooler, before any worker starts.

        Raises:
            ValueError: ``?pooler=`` names no known pooler (the URL is never quoted).
        """
        database_pooler(self.database_url)

    def __repr__(self) -> str:
        """Leaves the database URL (it may hold a password) out."""
        return f"FileStatusSettings(pool_size={self.pool_size}, migrate={self.migrate})"
