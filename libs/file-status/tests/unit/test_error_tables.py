"""Every row of both mapping tables, with exceptions built as the drivers raise them.

The expectations are written out here, independently of the tables; a last check makes sure
every SQLSTATE, SQLite code, exception type and message pattern of the tables is exercised.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta

import asyncpg
import pytest
from asyncpg.exceptions import PostgresError
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi as PgDbapi
from workflow_activity_kit import ErrorRow, first_row
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    DatabaseAccessDeniedError,
    DatabaseConflictError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    InvalidArgumentsError,
    OperatorActionRequired,
    SchemaNotMigratedError,
    SharedActivityError,
)
from workflow_file_status._errors import driver_facts, map_error
from workflow_file_status._postgres_errors import PG_RULES
from workflow_file_status._sqlite_errors import SQLITE_RULES

SQL = "SELECT * FROM file_status_change($1) -- secret-sql"
PARAMS = ("secret-param",)

PG_SQLSTATES: dict[str, type[SharedActivityError]] = {
    "42P01": SchemaNotMigratedError,  # undefined_table
    "42703": SchemaNotMigratedError,  # undefined_column
    "42883": SchemaNotMigratedError,  # undefined_function
    "25006": DatabaseReadOnlyError,  # read_only_sql_transaction
    "28000": DatabaseAccessDeniedError,  # invalid_authorization_specification
    "28P01": DatabaseAccessDeniedError,  # invalid_password
    "42501": DatabaseAccessDeniedError,  # insufficient_privilege
    "3D000": DatabaseAccessDeniedError,  # invalid_catalog_name
    "40001": DatabaseConflictError,  # serialization_failure
    "40P01": DatabaseConflictError,  # deadlock_detected
    "55P03": DatabaseConflictError,  # lock_not_available
    "57014": DatabaseUnavailableError,  # query_canceled (statement_timeout)
    "57P01": DatabaseUnavailableError,  # admin_shutdown
    "57P02": DatabaseUnavailableError,  # crash_shutdown
    "57P03": DatabaseUnavailableError,  # cannot_connect_now
    "55000": DatabaseUnavailableError,  # not currently accepting connections
    "08000": DatabaseUnavailableError,  # connection_exception
    "08003": DatabaseUnavailableError,  # connection_does_not_exist
    "08006": DatabaseUnavailableError,  # connection_failure
    "08P01": DatabaseUnavailableError,  # protocol_violation
    "53300": DatabaseUnavailableError,  # too_many_connections
    "53100": DatabaseUnavailableError,  # disk_full
    "58000": DatabaseUnavailableError,  # system_error
    "58030": DatabaseUnavailableError,  # io_error
    "22000": InvalidArgumentsError,  # data_exception: no retry stores the value
    "22001": InvalidArgumentsError,  # string_data_right_truncation
    "22021": InvalidArgumentsError,  # character_not_in_repertoire (NUL, invalid UTF-8)
    "22P05": InvalidArgumentsError,  # untranslatable_character (LATIN1 database)
    "22P02": InvalidArgumentsError,  # invalid_text_representation
    "22003": InvalidArgumentsError,  # numeric_value_out_of_range
    "22023": DatabaseAccessDeniedError,  # invalid_parameter_value: a connection setting
    # Without a pooler's words these stay transient (the pooler rows match by message).
    "26000": DatabaseUnavailableError,  # invalid_sql_statement_name
    "42P05": DatabaseUnavailableError,  # duplicate_prepared_statement
}

PG_TYPES: list[tuple[BaseException, type[SharedActivityError]]] = [
    (
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        DatabaseUnavailableError,
    ),
    (
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        DatabaseUnavailableError,
    ),
    (asyncpg_base.InternalClientError("protocol state broken"), DatabaseUnavailableError),
    (sa_exc.DisconnectionError("pool pre-ping failed"), DatabaseUnavailableError),
    (sa_exc.InterfaceError(SQL, PARAMS, Exception("closed")), DatabaseUnavailableError),
    (
        sa_exc.TimeoutError("QueuePool limit of size 2 overflow 0 reached, connection timed out"),
        DatabaseUnavailableError,
    ),
    (
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        DatabaseUnavailableError,
    ),
    (OSError(113, "No route to host"), DatabaseUnavailableError),
    (TimeoutError(), DatabaseUnavailableError),
    (asyncpg.UndefinedTableError('relation "files" does not exist'), SchemaNotMigratedError),
    (asyncpg.UndefinedColumnError('column "execution_id" does not exist'), SchemaNotMigratedError),
    (
        asyncpg.UndefinedFunctionError("function file_status_change does not exist"),
        SchemaNotMigratedError,
    ),
    (asyncpg.ReadOnlySQLTransactionError("read-only"), DatabaseReadOnlyError),
    (asyncpg.InvalidPasswordError("password authentication failed"), DatabaseAccessDeniedError),
    (asyncpg.InsufficientPrivilegeError("permission denied"), DatabaseAccessDeniedError),
    (asyncpg.InvalidCatalogNameError("database does not exist"), DatabaseAccessDeniedError),
    (asyncpg.SerializationError("could not serialize"), DatabaseConflictError),
    (asyncpg.DeadlockDetectedError("deadlock detected"), DatabaseConflictError),
    (asyncpg.LockNotAvailableError("could not obtain lock"), DatabaseConflictError),
    (
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        DatabaseUnavailableError,
    ),
    (asyncpg.AdminShutdownError("terminating connection"), DatabaseUnavailableError),
    (asyncpg.CrashShutdownError("crash"), DatabaseUnavailableError),
    (asyncpg.TooManyConnectionsError("sorry, too many clients"), DatabaseUnavailableError),
    (asyncpg.PostgresSystemError("could not read block"), DatabaseUnavailableError),
    (
        asyncpg.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        InvalidArgumentsError,
    ),
    (
        asyncpg.UntranslatableCharacterError("character with byte sequence 0xf0 0x9f 0x98 0x80"),
        InvalidArgumentsError,
    ),
    (asyncpg.StringDataRightTruncationError("value too long"), InvalidArgumentsError),
    # asyncpg's own check of an argument, before anything is sent (no SQLSTATE).
    (
        asyncpg_base.DataError("invalid input for query argument $5: 'x' (too long)"),
        InvalidArgumentsError,
    ),
    # A URL parameter asyncpg's connect() does not take (libpq's, e.g. sslrootcert).
    (
        TypeError("connect() got an unexpected keyword argument 'sslrootcert'"),
        DatabaseAccessDeniedError,
    ),
    (sa_exc.ArgumentError("All hosts are required to be present"), DatabaseAccessDeniedError),
    (
        asyncpg_base.ClientConfigurationError("`sslmode` parameter must be one of: disable, ..."),
        DatabaseAccessDeniedError,
    ),
    (
        asyncpg.InvalidParameterValueError('invalid value for parameter "statement_timeout"'),
        DatabaseAccessDeniedError,
    ),
]

# A transaction-mode pooler refusing a worker configured for a direct connection.
PG_TYPES += [
    (
        asyncpg.ProtocolViolationError("unsupported startup parameter: statement_timeout"),
        DatabaseAccessDeniedError,
    ),
    (
        asyncpg.InvalidSQLStatementNameError(
            'prepared statement "__asyncpg_stmt_1__" does not exist'
        ),
        DatabaseAccessDeniedError,
    ),
    (
        asyncpg.DuplicatePreparedStatementError(
            'prepared statement "__asyncpg_stmt_1__" already exists'
        ),
        DatabaseAccessDeniedError,
    ),
    (
        asyncpg.ProtocolViolationError("transaction blocks not allowed in statement pooling mode"),
        DatabaseAccessDeniedError,
    ),
]

# Messages without a usable SQLSTATE (an internal error, a proxy in between).
PG_MESSAGES: dict[str, type[SharedActivityError]] = {
    "cannot execute UPDATE in a read-only transaction": DatabaseReadOnlyError,
    'database "files" is not currently accepting connections': DatabaseUnavailableError,
    "connection is closed": DatabaseUnavailableError,
    "connection was closed in the middle of operation": DatabaseUnavailableError,
    'PostgreSQL server at "db:5432" rejected SSL upgrade': DatabaseAccessDeniedError,
    "connect() got an unexpected keyword argument 'sslmode'": DatabaseAccessDeniedError,
    'invalid value for parameter "statement_timeout": "x"': DatabaseAccessDeniedError,
    "unsupported startup parameter: statement_timeout": DatabaseAccessDeniedError,
    'prepared statement "__asyncpg_stmt_2__" already exists': DatabaseAccessDeniedError,
    "transaction blocks not allowed in statement pooling mode": DatabaseAccessDeniedError,
}

SQLITE_CODES: dict[tuple[str, str], type[SharedActivityError]] = {
    ("SQLITE_READONLY", "attempt to write a readonly database"): DatabaseReadOnlyError,
    ("SQLITE_READONLY_DBMOVED", "something else"): DatabaseReadOnlyError,
    ("SQLITE_PERM", "access permission denied"): DatabaseAccessDeniedError,
    ("SQLITE_AUTH", "authorization denied"): DatabaseAccessDeniedError,
    ("SQLITE_BUSY", "database is locked"): DatabaseConflictError,
    ("SQLITE_BUSY_SNAPSHOT", "database is locked"): DatabaseConflictError,
    ("SQLITE_LOCKED", "database table is locked"): DatabaseConflictError,
    ("SQLITE_CANTOPEN", "unable to open database file"): DatabaseUnavailableError,
    ("SQLITE_NOTADB", "file is not a database"): DatabaseUnavailableError,
    ("SQLITE_IOERR_WRITE", "disk I/O error"): DatabaseUnavailableError,
    ("SQLITE_FULL", "database or disk is full"): DatabaseUnavailableError,
}

# What sqlite3 raises without a code (older builds, aiosqlite's own errors).
SQLITE_MESSAGES: dict[str, type[SharedActivityError]] = {
    "no such table: files": SchemaNotMigratedError,
    "no such column: execution_id": SchemaNotMigratedError,
    "table file_status_history has no column named execution_id": SchemaNotMigratedError,
    "attempt to write a readonly database": DatabaseReadOnlyError,
    "access permission denied": DatabaseAccessDeniedError,
    "not authorized": DatabaseAccessDeniedError,
    "database is locked": DatabaseConflictError,
    "database table is locked": DatabaseConflictError,
    "unable to open database file": DatabaseUnavailableError,
    "disk I/O error": DatabaseUnavailableError,
    "database or disk is full": DatabaseUnavailableError,
    "no active connection": DatabaseUnavailableError,
    "Cannot operate on a closed database.": DatabaseUnavailableError,
}

SQLITE_TYPES: list[tuple[BaseException, type[SharedActivityError]]] = [
    (sa_exc.TimeoutError("QueuePool limit reached"), DatabaseUnavailableError),
    (PermissionError(13, "Permission denied"), DatabaseUnavailableError),
    (TimeoutError(), DatabaseUnavailableError),
]


def pg_raw(code: str, message: str = "server said so") -> PostgresError:
    return PostgresError.new({"C": code, "M": message, "D": "Key (id)=(secret-detail)"})


def pg_wrapped(driver: PostgresError) -> sa_exc.DBAPIError:
    """As SQLAlchemy's asyncpg dialect raises it: wrapper -> adapted error -> asyncpg."""
    adapted: Exception = PgDbapi.Error(driver.args[0], driver)  # type: ignore[no-untyped-call]
    adapted.__cause__ = driver
    wrapped = sa_exc.DBAPIError.instance(SQL, PARAMS, adapted, PgDbapi.Error)
    assert isinstance(wrapped, sa_exc.DBAPIError)
    return wrapped


def sqlite_error(message: str, code: str | None = None) -> sa_exc.DBAPIError:
    driver = sqlite3.OperationalError(message)
    if code is not None:
        driver.sqlite_errorname = code
    return sa_exc.OperationalError(SQL, PARAMS, driver)


def mapped(err: BaseException, rules: tuple[ErrorRow, ...]) -> SharedActivityError:
    return map_error(
        err, rules, operation="change_status", operator_retry_delay=timedelta(seconds=7)
    )


def assert_small_and_clean(error: SharedActivityError) -> None:
    assert len(error.message) <= 500
    for secret in ("secret", "SELECT", "://"):
        assert secret not in error.message
        assert secret not in repr(error.details)
    assert error.message.startswith("change_status: ")
    assert error.__cause__ is None


@pytest.mark.parametrize("code", sorted(PG_SQLSTATES))
@pytest.mark.parametrize("wrap", [False, True], ids=["asyncpg", "sqlalchemy"])
def test_every_postgres_sqlstate(code: str, wrap: bool) -> None:
    driver = pg_raw(code)
    error = mapped(pg_wrapped(driver) if wrap else driver, PG_RULES)
    assert type(error) is PG_SQLSTATES[code]
    assert f"SQLSTATE {code}" in error.message
    assert error.details[0]["sqlstate"] == code
    assert error.details[0]["error"] == type(driver).__name__
    assert_small_and_clean(error)


@pytest.mark.parametrize(("err", "expected"), PG_TYPES, ids=lambda v: type(v).__name__)
def test_every_postgres_exception_type(
    err: BaseException, expected: type[SharedActivityError]
) -> None:
    error = mapped(err, PG_RULES)
    assert type(error) is expected
    assert_small_and_clean(error)


@pytest.mark.parametrize(("message", "expected"), PG_MESSAGES.items())
def test_every_postgres_message(message: str, expected: type[SharedActivityError]) -> None:
    driver = asyncpg.exceptions.InternalServerError(message)  # XX000: no row of its own
    assert type(mapped(driver, PG_RULES)) is expected


@pytest.mark.parametrize(("code_and_message", "expected"), SQLITE_CODES.items())
def test_every_sqlite_code(
    code_and_message: tuple[str, str], expected: type[SharedActivityError]
) -> None:
    code, message = code_and_message
    error = mapped(sqlite_error(message, code), SQLITE_RULES)
    assert type(error) is expected
    assert error.details[0]["code"] == code and code in error.message
    assert_small_and_clean(error)


@pytest.mark.parametrize(("message", "expected"), SQLITE_MESSAGES.items())
def test_every_sqlite_message(message: str, expected: type[SharedActivityError]) -> None:
    error = mapped(sqlite_error(message), SQLITE_RULES)
    assert type(error) is expected
    assert error.details[0] == {
        "sqlstate": None,
        "error": "OperationalError",
        "operation": "change_status",
    }
    assert_small_and_clean(error)


@pytest.mark.parametrize(("err", "expected"), SQLITE_TYPES, ids=lambda v: type(v).__name__)
def test_every_sqlite_exception_type(
    err: BaseException, expected: type[SharedActivityError]
) -> None:
    assert type(mapped(err, SQLITE_RULES)) is expected


@pytest.mark.parametrize("rules", [PG_RULES, SQLITE_RULES], ids=["postgresql", "sqlite"])
@pytest.mark.parametrize(
    "err",
    [
        pg_raw("P0001", "raised by a trigger"),
        RuntimeError("boom"),
        KeyError(1),
        TypeError("unsupported operand"),
    ],
    ids=["P0001", "RuntimeError", "KeyError", "TypeError"],
)
def test_anything_unknown_is_a_small_retryable_unavailable(
    rules: tuple[ErrorRow, ...], err: BaseException
) -> None:
    error = mapped(err, rules)
    assert type(error) is DatabaseUnavailableError
    assert not error.non_retryable and error.next_retry_delay is None
    assert "unclassified database error" in error.message
    assert type(err).__name__ in error.message


def test_operator_errors_get_the_configured_delay_and_name_the_fix() -> None:
    for code in ("42P01", "25006", "28P01", "22023"):
        error = mapped(pg_raw(code), PG_RULES)
        assert isinstance(error, OperatorActionRequired) and not error.non_retryable
        assert error.next_retry_delay == timedelta(seconds=7) != OPERATOR_RETRY_DELAY
    fix = mapped(pg_raw("42883"), PG_RULES).message
    assert "python -m workflow_file_status.migrate upgrade --database-url" in fix
    assert "nx run workflow-file-status:migrate" in fix
    transient = mapped(pg_raw("40P01"), PG_RULES)
    assert transient.next_retry_delay is None and not transient.non_retryable


def test_driver_messages_are_one_short_line_without_urls_or_secrets() -> None:
    long = "x" * 1000
    error = mapped(asyncpg.InterfaceError(long), PG_RULES)
    assert len(error.message) < 300 and error.message.endswith("...")
    leaky = asyncpg.InterfaceError(
        "cannot connect to postgresql://app:hunter2@db:5432/files password=hunter2\nline two"
    )
    message = mapped(leaky, PG_RULES).message
    assert "hunter2" not in message and "line two" not in message and "<url>" in message


def test_every_row_criterion_is_exercised() -> None:
    """Each SQLSTATE, code, type and message pattern of both tables has a case above."""
    pg_states = set(PG_SQLSTATES)
    pg_instances = [e for e, _ in PG_TYPES]
    pg_texts = list(PG_MESSAGES)
    for rule in PG_RULES:
        for state in rule.sqlstates:
            assert any(s == state or s[:2] == state for s in pg_states), state
        for kind in rule.types:
            assert any(isinstance(e, kind) for e in pg_instances), kind
        for pattern in rule.messages:
            assert any(re.search(pattern, t, re.IGNORECASE) for t in pg_texts), pattern
    sqlite_codes = {code for code, _ in SQLITE_CODES}
    sqlite_texts = list(SQLITE_MESSAGES)
    for rule in SQLITE_RULES:
        for code in rule.codes:
            assert any(c == code or c.startswith(code + "_") for c in sqlite_codes), code
        for kind in rule.types:
            assert any(isinstance(e, kind) for e, _ in SQLITE_TYPES), kind
        for pattern in rule.messages:
            assert any(re.search(pattern, t, re.IGNORECASE) for t in sqlite_texts), pattern
        assert not rule.sqlstates


def test_each_row_is_reached_by_some_case() -> None:
    """No row is shadowed by an earlier one: each is the first match for some case."""
    pg_cases: list[BaseException] = [pg_raw(c) for c in PG_SQLSTATES]
    pg_cases += [e for e, _ in PG_TYPES]
    pg_cases += [asyncpg.exceptions.InternalServerError(m) for m in PG_MESSAGES]
    reached = {id(first_row(driver_facts(e), PG_RULES)) for e in pg_cases}
    assert {id(r) for r in PG_RULES} <= reached
    sqlite_cases: list[BaseException] = [sqlite_error(m, c) for c, m in SQLITE_CODES]
    sqlite_cases += [sqlite_error(m) for m in SQLITE_MESSAGES]
    sqlite_cases += [e for e, _ in SQLITE_TYPES]
    reached = {id(first_row(driver_facts(e), SQLITE_RULES)) for e in sqlite_cases}
    assert {id(r) for r in SQLITE_RULES} <= reached


CHANGE_ARGUMENTS = (
    ("file_id", "8d0b6f0e-0000-4000-8000-000000000000"),
    ("status", "PROCESSING"),
    ("workflow_id", "wf-" + "w" * 1100),
    ("activity_id", "emoji-\U0001f600"),
    ("run_id", "run\x00x"),
)


def mapped_with_arguments(err: BaseException) -> SharedActivityError:
    return map_error(
        err,
        PG_RULES,
        operation="change_status",
        operator_retry_delay=timedelta(seconds=7),
        arguments=CHANGE_ARGUMENTS,
    )


@pytest.mark.parametrize(
    ("err", "argument", "shown"),
    [
        (
            pg_raw(
                "22P05",
                'character with byte sequence 0xf0 0x9f 0x98 0x80 in encoding "UTF8" has no'
                ' equivalent in encoding "LATIN1"',
            ),
            "activity_id",
            "'emoji-\\U0001f600'",
        ),
        (
            pg_raw("22021", 'invalid byte sequence for encoding "UTF8": 0x00'),
            "run_id",
            "'run\\x00x'",
        ),
        (
            pg_raw("22001", "value too long for type character varying(1024)"),
            "workflow_id",
            "1103 characters",
        ),
    ],
    ids=["22P05", "22021", "22001"],
)
def test_a_class_22_error_is_permanent_and_names_the_value(
    err: BaseException, argument: str, shown: str
) -> None:
    for error in (mapped_with_arguments(err), mapped_with_arguments(pg_wrapped(err))):  # type: ignore[arg-type]
        assert type(error) is InvalidArgumentsError
        assert error.non_retryable and error.next_retry_delay is None
        assert error.message.startswith(f"change_status: {argument} ")
        assert shown in error.message
        assert error.details[0]["argument"] == argument
        assert "w" * 100 not in error.message  # a short repr, never the value
        assert_small_and_clean(error)


def test_a_class_22_error_without_a_recognisable_value_still_says_what_happened() -> None:
    error = mapped_with_arguments(pg_raw("22003", "integer out of range"))
    assert type(error) is InvalidArgumentsError and error.non_retryable
    assert "cannot be stored" in error.message and "argument" not in error.details[0]
    assert_small_and_clean(error)


def test_a_libpq_parameter_in_the_url_names_the_fix() -> None:
    error = mapped(TypeError("connect() got an unexpected keyword argument 'sslcert'"), PG_RULES)
    assert type(error) is DatabaseAccessDeniedError and not error.non_retryable
    assert error.next_retry_delay == timedelta(seconds=7)
    assert "'sslcert'" in error.message and "database URL" in error.message
    assert "ssl=" in error.message  # asyncpg's own name of the setting
    assert_small_and_clean(error)
