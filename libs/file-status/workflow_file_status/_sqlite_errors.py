"""SQLite (sqlite3 through aiosqlite and SQLAlchemy): the ordered table of database errors.

Rows of the activity kit's engine (`workflow_activity_kit.ErrorRow`), most specific first; the
first matching row wins. SQLite reports most failures as ``sqlite3.OperationalError``: rows use
its extended error name (``sqlite_errorname``, e.g. ``SQLITE_BUSY``) and its message.
"""

from sqlalchemy import exc as sa_exc
from workflow_activity_kit import ErrorRow
from workflow_contracts.errors import (
    DatabaseAccessDeniedError,
    DatabaseConflictError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    SchemaNotMigratedError,
)

from workflow_file_status._errors import MIGRATE_FIX

__all__ = ["SQLITE_RULES"]

SQLITE_RULES: tuple[ErrorRow, ...] = (
    # Operator action: retried after a long delay; the message says what to do.
    ErrorRow(
        SchemaNotMigratedError,
        "schema not migrated",
        messages=(r"no such table", r"no such column", r"has no column named"),
        fix=MIGRATE_FIX,
    ),
    ErrorRow(
        DatabaseReadOnlyError,
        "database is read-only",
        codes=frozenset({"SQLITE_READONLY"}),  # and SQLITE_READONLY_* (moved, recovery...)
        messages=(r"attempt to write a readonly database",),
        fix="Make the database file and its directory writable by the worker (and do not"
        " open it with mode=ro)",
    ),
    ErrorRow(
        DatabaseAccessDeniedError,
        "access refused",
        codes=frozenset({"SQLITE_PERM", "SQLITE_AUTH"}),
        messages=(r"access permission denied", r"not authorized"),
        fix="Check the file permissions and the authorizer of the worker's SQLite database",
    ),
    # Transient: retried with Temporal's back-off.
    ErrorRow(
        DatabaseConflictError,
        "database busy (another writer holds the lock)",
        codes=frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"}),
        messages=(r"database is locked", r"database table is locked"),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "cannot open the database file",
        codes=frozenset({"SQLITE_CANTOPEN", "SQLITE_NOTADB"}),
        messages=(r"unable to open database file",),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "disk I/O error or disk full",
        codes=frozenset({"SQLITE_IOERR", "SQLITE_FULL"}),
        messages=(r"disk i/o error", r"database or disk is full"),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "connection closed",
        messages=(r"no active connection", r"cannot operate on a closed database"),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "no pooled connection free in time",
        types=(sa_exc.TimeoutError,),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "I/O error or timeout",
        types=(OSError, TimeoutError),
    ),
)
