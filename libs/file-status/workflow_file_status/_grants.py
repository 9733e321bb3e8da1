"""The runtime role's grants: `grant_statements` renders them, `grant` applies them.

The statements live in ``grants.sql`` (package data, also usable with ``psql -v role=...``).
Role and schema are identifiers: GRANT takes no bind parameters for them, so they are quoted
here exactly as PostgreSQL's ``quote_ident`` would (always), after refusing the names that
quoting does not make safe (``public``, ``pg_*``, too long, control characters).
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from workflow_file_status._engine import create_engine
from workflow_file_status._migration_errors import (
    MigrationError,
    MigrationFailure,
    as_migration_error,
    shown_role,
)

__all__ = [
    "GRANTS_SQL",
    "Privilege",
    "grant",
    "grant_statements",
    "privileges",
    "quote_identifier",
]

logger = logging.getLogger(__name__)

GRANTS_SQL = "grants.sql"
"""The package resource holding the grants (``importlib.resources``)."""

_MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1: PostgreSQL silently truncates longer names
_PLACEHOLDERS = {"role": ':"role"', "schema": ':"schema"'}
_GRANT = re.compile(
    r"GRANT\s+(?P<privileges>.+?)\s+ON\s+(?P<kind>SCHEMA|TABLE|FUNCTION)\s+(?P<target>.+?)\s+TO\s",
    re.IGNORECASE | re.DOTALL,
)
_CHECKS = {
    "SCHEMA": "has_schema_privilege",
    "TABLE": "has_table_privilege",
    "FUNCTION": "has_function_privilege",
}


@dataclass(frozen=True, slots=True)
class Privilege:
    """One privilege a statement grants.

    Attributes:
        kind: ``SCHEMA``, ``TABLE`` or ``FUNCTION``.
        target: The object as PostgreSQL's ``has_*_privilege`` functions take it: a schema's
            name, a table or a function as a quoted, qualified name.
        privilege: ``USAGE``, ``SELECT``, ``INSERT``, ``UPDATE`` or ``EXECUTE``.
    """

    kind: str
    target: str
    privilege: str


def quote_identifier(name: str, *, what: str = "name") -> str:
    """``name`` as a quoted PostgreSQL identifier (``"a""b"`` for ``a"b``).

    Always quoted, so the name is taken exactly as given (case included).

    Args:
        name: The role or schema name, as stored in the catalog.
        what: What the name is, for the error message.

    Raises:
        ValueError: The name is empty, holds a control character, or is longer than
            PostgreSQL keeps (63 bytes: it would silently name another object).
    """
    if not name:
        raise ValueError(f"the {what} is empty")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise ValueError(f"the {what} {name!a} holds a control character")
    if len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        raise ValueError(
            f"the {what} is longer than PostgreSQL's {_MAX_IDENTIFIER_BYTES} bytes"
            " (it would be truncated to another name)"
        )
    return '"' + name.replace('"', '""') + '"'


def _role_identifier(role: str) -> str:
    lowered = role.lower()
    # PostgreSQL reads the grantee "public" (even quoted) as PUBLIC: every role. The pg_*
    # names are the predefined roles: granting to one widens every member's rights.
    if lowered in {"public", "none"} or lowered.startswith("pg_"):
        raise ValueError(
            f"refusing to grant to {role!r}: name the worker's own login role"
            " (not PUBLIC, NONE or a predefined pg_* role)"
        )
    return quote_identifier(role, what="role name")


def _template() -> str:
    return importlib.resources.files("workflow_file_status").joinpath(GRANTS_SQL).read_text()


def grant_statements(role: str, schema: str = "public") -> list[str]:
    """The GRANT statements of the runtime role, quoted, each without its ``;``.

    Args:
        role: The worker's login role, exactly as named in the catalog (case-sensitive).
        schema: The schema holding the file-status tables.

    Raises:
        ValueError: ``role`` or ``schema`` cannot be used (see `quote_identifier`); the role
            cannot be PUBLIC, NONE or a predefined ``pg_*`` role.
    """
    values = {"role": _role_identifier(role), "schema": quote_identifier(schema, what="schema")}
    lines = [line for line in _template().splitlines() if not line.lstrip().startswith("--")]
    statements = []
    for chunk in "\n".join(lines).split(";"):
        statement = " ".join(chunk.split())
        if not statement:
            continue
        for key, placeholder in _PLACEHOLDERS.items():
            statement = statement.replace(placeholder, values[key])
        statements.append(statement)
    return statements


def privileges(statements: list[str]) -> list[Privilege]:
    """What ``statements`` (from `grant_statements`) grant, one row per privilege."""
    found = []
    for statement in statements:
        match = _GRANT.match(statement)
        if match is None:
            raise ValueError(f"not a GRANT statement: {statement!r}")
        kind = match["kind"].upper()
        target = match["target"].strip()
        if kind == "SCHEMA":  # has_schema_privilege takes the name itself, not an identifier
            target = target[1:-1].replace('""', '"')
        for privilege in match["privileges"].split(","):
            found.append(Privilege(kind, target, privilege.strip().upper()))
    return found


def grant(database_url: str, role: str, schema: str = "public") -> None:
    """Grants the runtime role its privileges, in one transaction, then checks them.

    Run it as the owner of the file-status tables, after `workflow_file_status.upgrade`
    (again after each upgrade: it is idempotent). Blocking: from async code use a thread.

    Args:
        database_url: The owner's PostgreSQL URL (never printed).
        role: The worker's login role (it must exist).
        schema: The schema holding the tables.

    Raises:
        ValueError: The role or schema name cannot be used, or the URL is not PostgreSQL's.
        MigrationError: The database refused (one line naming the fix; the grants are not
            applied, none of them).
    """
    statements = grant_statements(role, schema)
    try:
        postgres = make_url(database_url).get_backend_name() == "postgresql"
        if postgres:
            asyncio.run(_apply(database_url, role, statements))
    except MigrationError:
        raise
    except Exception as err:
        logger.debug("grant failed", exc_info=err)
        failure = as_migration_error(err, action="grant", database_url=database_url)
    else:
        if postgres:
            return
        raise ValueError("roles and grants are PostgreSQL's: a SQLite database needs none")
    raise failure  # outside the handler: no driver exception (with its SQL) attached


async def _apply(database_url: str, role: str, statements: list[str]) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
            missing: list[str] = []
            schemas: list[str] = []  # USAGE on a schema is the schema owner's to give
            for item in privileges(statements):
                # The function name comes from _CHECKS; every value is a bind parameter.
                check = sa.text(f"SELECT {_CHECKS[item.kind]}(:role, :target, :privilege)")
                held = await connection.scalar(
                    check, {"role": role, "target": item.target, "privilege": item.privilege}
                )
                if not held:
                    missing.append(f"{item.privilege} on {item.target}")
                    if item.kind == "SCHEMA":
                        schemas.append(item.target)
            if missing:
                # A grantor without the grant option gets warnings, not errors: roll back.
                fix = (
                    "grant as the owner of the file-status tables (the role that ran the"
                    " migrations)"
                )
                if schemas and len(schemas) == len(missing):
                    fix = (
                        f"the owner of schema {schemas[0]} gives USAGE on it once (GRANT USAGE"
                        f" ON SCHEMA ... TO the role), then run grant again"
                    )
                raise MigrationError(
                    f"grant: the privileges were not granted ({', '.join(missing)}) as role"
                    f" {shown_role(database_url)}: {fix}",
                    MigrationFailure.PERMISSION_DENIED,
                    sqlstate="42501",
                )
    finally:
        await engine.dispose()
