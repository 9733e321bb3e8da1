"""File status in a SQL database: ``shared.update_file_status`` (`FILE_STATUS`).

A worker gets it from the umbrella's plugin (`FileStatusSettings` in its configuration): one
`FileStatusResource` per worker opens an engine (`create_engine`) and the adapter for its
database (`repository_for`: PostgreSQL or SQLite) and serves `UpdateFileStatusActivity` and the
apps' reads (`FileRead`, `StatusHistoryRead`). The schema comes from the Alembic migrations
(`workflow_file_status.migrate`: ``upgrade`` from code, or ``python -m workflow_file_status.migrate``), run as the schema owner; the worker's
role needs only the grants of ``python -m workflow_file_status.migrate grant ROLE``. A failed
migration raises ``MigrationError`` (one line naming the fix). Fakes for tests:
`workflow_file_status.testing`.
"""

from workflow_file_status._activity import UpdateFileStatusActivity
from workflow_file_status._engine import create_engine
from workflow_file_status._models import FileCreate, FileRead, StatusHistoryRead
from workflow_file_status._package import FILE_STATUS
from workflow_file_status._port import FileStatusRepository, FileStore
from workflow_file_status._resource import FileStatusResource, repository_for
from workflow_file_status._settings import FileStatusSettings

__all__ = [
    "FILE_STATUS",
    "FileCreate",
    "FileRead",
    "FileStatusRepository",
    "FileStatusResource",
    "FileStatusSettings",
    "FileStore",
    "StatusHistoryRead",
    "UpdateFileStatusActivity",
    "create_engine",
    "repository_for",
]
