"""File status in a SQL database: `UpdateFileStatusActivity` and its repositories.

The worker creates one engine (`create_engine`), gets the adapter for its database from
`repository_for` (`PostgresFileStatusRepository` or `SqliteFileStatusRepository`) and
registers ``UpdateFileStatusActivity(repository).run``. The schema comes from the Alembic
migrations (`workflow_file_status.migrate`), run as the schema owner; the worker's role needs
only the grants of ``python -m workflow_file_status.migrate grant ROLE``. A failed migration
raises `MigrationError` (one line naming the fix).
"""

from workflow_file_status._migrate import downgrade, upgrade
from workflow_file_status._migration_errors import MigrationError, MigrationFailure
from workflow_file_status._postgres import PostgresFileStatusRepository
from workflow_file_status._repository import FileStatusRepository
from workflow_file_status._sql_common import allowed_sources
from workflow_file_status._sqlite import SqliteFileStatusRepository
from workflow_file_status.activity import UpdateFileStatusActivity
from workflow_file_status.engine import DEFAULT_SQLITE_URL, create_engine, normalise_database_url
from workflow_file_status.ids import parse_file_id, parse_status
from workflow_file_status.models import (
    FileCreate,
    FileRead,
    FileRecord,
    StatusHistoryRead,
    StatusHistoryRecord,
)
from workflow_file_status.sql import SqlFileStatusAdapter, repository_for

__all__ = [
    "DEFAULT_SQLITE_URL",
    "FileCreate",
    "FileRead",
    "FileRecord",
    "FileStatusRepository",
    "MigrationError",
    "MigrationFailure",
    "PostgresFileStatusRepository",
    "SqlFileStatusAdapter",
    "SqliteFileStatusRepository",
    "StatusHistoryRead",
    "StatusHistoryRecord",
    "UpdateFileStatusActivity",
    "allowed_sources",
    "create_engine",
    "downgrade",
    "normalise_database_url",
    "parse_file_id",
    "parse_status",
    "repository_for",
    "upgrade",
]
