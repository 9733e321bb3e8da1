"""A migration or a grant that failed, as one typed error with one line naming the fix.

`upgrade`, `downgrade` and `grant` raise only `MigrationError` for a failure of the database,
the URL or Alembic, without the driver exception attached (its text carries SQL), so a worker
started with ``migrate=True`` and the command line both end with one clear line. The line is
built from the driver's first message line (scrubbed of URLs and secrets by `driver_facts`),
the SQLSTATE and the role: never the URL or the password.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
from enum import StrEnum

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from workflow_file_status._errors import driver_facts

__all__ = ["MigrationError", "MigrationFailure", "as_migration_error", "shown_role"]

GRANT_COMMAND = "python -m workflow_file_status.migrate grant ROLE"
MIGRATE_AS_OWNER = (
    "run migrations as the schema owner (python -m workflow_file_status.migrate upgrade with"
    " the owner's database URL, from CI or a deploy job) and start the worker with migrate"
    f" off; the worker role needs only the grants of '{GRANT_COMMAND}'"
)
GRANT_AS_OWNER = "grant as the owner of the file-status tables (the role that ran the migrations)"
_LOGIN_FIX = "check the user, password and database name of the database URL"
_REACH_FIX = "check that the database server runs and is reachable at the URL's host and port"
_URL_FIX = "check the database URL (postgresql://USER@HOST:PORT/DB or sqlite:///PATH)"
_UNKNOWN_REVISION_FIX = (
    "the database was migrated by a newer version of workflow-file-status: run that version"
    " (or a later one)"
)
_NO_SUCH_REVISION_FIX = (
    "not a revision of this version of workflow-file-status (use head, base or one of its"
    " migrations)"
)
# Alembic's words for a revision it does not have (the asked one, or the database's).
_UNKNOWN_REVISION = re.compile(r"Can't locate revision|No such revision")
_MIGRATE_FIRST = "run the migrations first (python -m workflow_file_status.migrate upgrade)"
_FAILED_FIXES = {
    "42704": "create the worker's login role first (CREATE ROLE name LOGIN ...)",  # no role
    "42P01": _MIGRATE_FIRST,  # undefined_table
    "42883": _MIGRATE_FIRST,  # undefined_function
    "3F000": "check the schema name (--schema)",  # invalid_schema_name
    "25006": "migrate on the primary, not a standby or a read-only database",
}
_UNREACHABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
_UNREACHABLE_TYPES = (
    OSError,  # refused, unreachable, DNS (ConnectionError included)
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
)
_URL_TYPES = (sa_exc.ArgumentError, asyncpg_base.ClientConfigurationError)


class MigrationFailure(StrEnum):
    """Why a migration or a grant failed; the command line exits with a code per reason."""

    PERMISSION_DENIED = "permission_denied"
    """SQLSTATE 42501: the role may not change the schema (migrate as its owner)."""
    CANNOT_CONNECT = "cannot_connect"
    """The server is unreachable, or refused the login or the database name."""
    BAD_URL = "bad_url"
    """The database URL cannot be used."""
    FAILED = "failed"
    """Anything else: a revision this version does not know, a missing role or table..."""


class MigrationError(Exception):
    """A migration (`upgrade`, `downgrade`) or a grant that failed, in one line.

    Attributes:
        message: One line: the action, the cause, the SQLSTATE (or the error class), the
            role, then the fix. Never the URL or the password.
        failure: Why (`MigrationFailure`).
        sqlstate: PostgreSQL's SQLSTATE, when there is one.
    """

    def __init__(
        self, message: str, failure: MigrationFailure, sqlstate: str | None = None
    ) -> None:
        """Builds the error; line breaks in ``message`` become spaces (one line, always)."""
        message = " ".join(message.split())
        super().__init__(message, failure, sqlstate)
        self.message = message
        self.failure = failure
        self.sqlstate = sqlstate

    def __str__(self) -> str:
        """The one-line message."""
        return self.message


def shown_role(database_url: str) -> str | None:
    """The PostgreSQL role the URL logs in as, quoted for a message (None for SQLite).

    Without a user in the URL asyncpg uses ``PGUSER``, then the operating system user.
    """
    try:
        url = make_url(database_url)
    except Exception:
        return None
    if url.get_backend_name() != "postgresql":
        return None
    name = url.username or os.environ.get("PGUSER")
    if not name:
        with contextlib.suppress(Exception):
            name = getpass.getuser()
    # JSON quoting: a quote or a control character in the name cannot break the line.
    return json.dumps(name, ensure_ascii=False) if name else None


def as_migration_error(
    err: BaseException, *, action: str, database_url: str, revision: str | None = None
) -> MigrationError:
    """The `MigrationError` for ``err`` (which it does not wrap).

    Args:
        err: What Alembic, SQLAlchemy or the driver raised.
        action: ``migrate`` or ``grant``: starts the message.
        database_url: The URL used (only its user name is shown).
        revision: The revision asked for (tells it from an unknown one in the database).
    """
    facts = driver_facts(err)
    state = facts.sqlstate or ""
    chain = facts.chain
    failure, fix = MigrationFailure.FAILED, _FAILED_FIXES.get(state, "")
    if state == "42501" or any(isinstance(e, asyncpg.InsufficientPrivilegeError) for e in chain):
        failure = MigrationFailure.PERMISSION_DENIED
        fix = GRANT_AS_OWNER if action == "grant" else MIGRATE_AS_OWNER
    elif state[:2] == "28" or state == "3D000":
        failure, fix = MigrationFailure.CANNOT_CONNECT, _LOGIN_FIX
    elif any(isinstance(e, _URL_TYPES) for e in chain):  # before: a subclass of InterfaceError
        failure, fix = MigrationFailure.BAD_URL, _URL_FIX
    elif (
        state[:2] == "08"
        or state in _UNREACHABLE_STATES
        or any(isinstance(e, _UNREACHABLE_TYPES) for e in chain)
    ):
        failure, fix = MigrationFailure.CANNOT_CONNECT, _REACH_FIX
    elif _UNKNOWN_REVISION.search(facts.message):
        # The revision asked for, or the one the database is at (written by a newer version).
        asked = revision is not None and f"'{revision}'" in facts.message
        fix = _NO_SUCH_REVISION_FIX if asked else _UNKNOWN_REVISION_FIX
    where = f"SQLSTATE {state}" if state else facts.error
    role = shown_role(database_url) if failure is not MigrationFailure.BAD_URL else None
    message = f"{action}: {facts.message or 'no message'} ({where})"
    if role:
        message += f" as role {role}"
    if fix:
        message += f": {fix}"
    return MigrationError(message, failure, facts.sqlstate)
