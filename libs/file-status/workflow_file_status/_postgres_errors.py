"""PostgreSQL (asyncpg through SQLAlchemy): the ordered table of database errors.

Rows of the activity kit's engine (`workflow_activity_kit.ErrorRow`), most specific first; the
first matching row wins. A row names the SQLSTATE codes (or two-character classes) and the
asyncpg / SQLAlchemy classes that raise them; messages cover servers and proxies that do not
send the code.
"""

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy import exc as sa_exc
from workflow_activity_kit import ErrorRow
from workflow_contracts.errors import (
    DatabaseAccessDeniedError,
    DatabaseConflictError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    InvalidArgumentsError,
    SchemaNotMigratedError,
)

from workflow_file_status._errors import MIGRATE_FIX

__all__ = ["PG_RULES", "POOLER_FIX", "POOLER_REFUSALS", "STATEMENT_POOLING", "URL_FIX"]

URL_FIX = (
    "Fix the worker's database URL: asyncpg does not take libpq's parameters (sslmode=... is"
    " read as asyncpg's ssl=..., e.g. ?ssl=require); remove the others (sslrootcert,"
    " connect_timeout, application_name...) or pass them as connect_args, and ask for SSL"
    " only from a server that has it"
)
"""How an operator fixes a URL or connection setting asyncpg refuses (ends the message)."""

POOLER_FIX = (
    "The worker reaches PostgreSQL through a transaction-mode connection pooler (PgBouncer,"
    " RDS Proxy): add ?pooler=transaction to the worker's database URL, which then sends the"
    " pooler no startup parameter it refuses and no named prepared statement"
)
"""How an operator fixes a worker that does not know it is behind a pooler (ends the message)."""

POOLER_REFUSALS = (
    r"unsupported startup parameter",
    r"prepared statement \S+ (does not exist|already exists)",
)
"""What a transaction-mode pooler makes PostgreSQL or itself say to a worker configured for
a direct connection. Not a lost connection: a fresh pool would get the same answer."""

STATEMENT_POOLING = r"transaction blocks not allowed in statement pooling mode"
"""What PgBouncer says to a transaction in ``pool_mode = statement``. Not a lost connection
either."""

PG_RULES: tuple[ErrorRow, ...] = (
    # Operator action: retried after a long delay; the message says what to do.
    ErrorRow(
        SchemaNotMigratedError,
        "schema not migrated",
        # undefined_table, undefined_column, undefined_function (file_status_change, 0002)
        sqlstates=frozenset({"42P01", "42703", "42883"}),
        types=(
            asyncpg.UndefinedTableError,
            asyncpg.UndefinedColumnError,
            asyncpg.UndefinedFunctionError,
        ),
        fix=MIGRATE_FIX,
    ),
    ErrorRow(
        DatabaseReadOnlyError,
        "database is read-only",
        sqlstates=frozenset({"25006"}),  # read_only_sql_transaction (standby, read-only default)
        types=(asyncpg.ReadOnlySQLTransactionError,),
        messages=(r"cannot execute .* in a read-only transaction",),
        fix="Point the worker at the primary, or turn off default_transaction_read_only"
        " for its database or role",
    ),
    ErrorRow(
        DatabaseAccessDeniedError,
        "login or privilege refused",
        # invalid_authorization_specification, invalid_password, insufficient_privilege,
        # invalid_catalog_name (no such database)
        sqlstates=frozenset({"28000", "28P01", "42501", "3D000"}),
        types=(
            asyncpg.InvalidAuthorizationSpecificationError,
            asyncpg.InsufficientPrivilegeError,
            asyncpg.InvalidCatalogNameError,
        ),
        fix="Check the user, password and database name of the worker's database URL, and"
        " its grants on the file-status tables and function (the schema owner gives them:"
        " python -m workflow_file_status.migrate grant ROLE)",
    ),
    # Behind a transaction-mode pooler without ?pooler=transaction: PgBouncer refuses the
    # statement_timeout startup parameter (08P01, a connection class code: before that row),
    # or, where it ignores it, a named statement prepared on one server connection is missing
    # (26000) or already taken (42P05) on the next. Checked by message first: 26000 and 42P05
    # also have other causes, and the fix there is not this one.
    ErrorRow(
        DatabaseAccessDeniedError,
        "refused behind a connection pooler",
        messages=POOLER_REFUSALS,
        fix=POOLER_FIX,
    ),
    ErrorRow(
        DatabaseAccessDeniedError,
        "pooler refuses transactions (statement pooling)",
        messages=(STATEMENT_POOLING,),
        fix="Set pool_mode = transaction for the worker's database in the pooler (statement"
        " mode allows no transaction, and the worker reads and registers files in"
        " transactions), and add ?pooler=transaction to the worker's database URL",
    ),
    # A URL parameter asyncpg's connect() does not take (libpq's sslrootcert...), a bad ssl
    # mode, a server without SSL for ssl=require, a bad server setting (22023 at connect).
    # DatabaseAccessDenied is the operator type for the URL (3D000 is a wrong database name
    # in it too): retried with the long delay until the configuration is fixed.
    ErrorRow(
        DatabaseAccessDeniedError,
        "database URL or connection settings refused by asyncpg",
        sqlstates=frozenset({"22023"}),  # invalid_parameter_value (server_settings)
        types=(asyncpg_base.ClientConfigurationError, sa_exc.ArgumentError),
        messages=(
            r"connect\(\) got an unexpected keyword argument",
            r"rejected SSL upgrade",
            r"invalid value for parameter",
        ),
        fix=URL_FIX,
    ),
    # Permanent: a value the database cannot store (data_exception, the whole class: a
    # character the database's encoding lacks, 22P05; invalid UTF-8 or NUL, 22021; too long
    # for its column, 22001, ...) and asyncpg's own refusal of an argument. No retry can
    # store it: fail at once, naming the value.
    ErrorRow(
        InvalidArgumentsError,
        "cannot be stored",
        sqlstates=frozenset({"22"}),
        types=(asyncpg.DataError, asyncpg_base.DataError),
        fix="Not retried: no retry can store this value (a character the database's encoding"
        " lacks, or too long for its column)",
        names_value=True,
    ),
    # Transient: retried with Temporal's back-off.
    ErrorRow(
        DatabaseConflictError,
        "conflict with a concurrent transaction",
        # serialization_failure, deadlock_detected, lock_not_available (lock_timeout)
        sqlstates=frozenset({"40001", "40P01", "55P03"}),
        types=(
            asyncpg.SerializationError,
            asyncpg.DeadlockDetectedError,
            asyncpg.LockNotAvailableError,
        ),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "statement timed out or was cancelled",
        sqlstates=frozenset({"57014"}),  # query_canceled: statement_timeout
        types=(asyncpg.QueryCanceledError,),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "server shutting down, crashed or starting up",
        sqlstates=frozenset({"57P01", "57P02", "57P03"}),
        types=(asyncpg.AdminShutdownError, asyncpg.CrashShutdownError),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "database not accepting connections",
        sqlstates=frozenset({"55000"}),  # ALLOW_CONNECTIONS false, a database being dropped
        messages=(r"not currently accepting connections",),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "connection failure",
        sqlstates=frozenset({"08"}),  # connection_exception, the whole class
        types=(
            asyncpg.PostgresConnectionError,  # ConnectionDoesNotExistError included
            asyncpg.InterfaceError,
            asyncpg_base.InternalClientError,  # protocol state broken by a drop
            sa_exc.DisconnectionError,
            sa_exc.InterfaceError,
        ),
        messages=(r"connection (was|is) closed",),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "server out of resources",
        sqlstates=frozenset({"53"}),  # too_many_connections, disk_full, out_of_memory
        types=(asyncpg.InsufficientResourcesError,),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "server system error",
        sqlstates=frozenset({"58"}),  # system_error, io_error
        types=(asyncpg.PostgresSystemError,),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "no pooled connection free in time",
        types=(sa_exc.TimeoutError,),
    ),
    ErrorRow(
        DatabaseUnavailableError,
        "network error or timeout",
        types=(OSError, TimeoutError),  # refused, unreachable, DNS, connect timeout
    ),
)
