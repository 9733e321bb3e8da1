"""The runtime role's grants (rendered, not applied) and the one-line migration errors."""

from __future__ import annotations

import importlib.resources
import pickle

import pytest
from alembic.util import CommandError
from asyncpg.exceptions import _base as asyncpg_base
from sqlalchemy.exc import ArgumentError
from workflow_file_status._grants import Privilege, privileges
from workflow_file_status._migration_errors import MigrationFailure, as_migration_error
from workflow_file_status.migrate import (
    GRANTS_SQL,
    MigrationError,
    grant_statements,
    main,
    quote_identifier,
)

FUNCTION = '"public".file_status_change(uuid, text, text[], uuid, text, text, text, text, integer)'
RUNTIME = {
    Privilege("SCHEMA", "public", "USAGE"),
    Privilege("TABLE", '"public".files', "SELECT"),
    Privilege("TABLE", '"public".files', "INSERT"),
    Privilege("TABLE", '"public".files', "UPDATE"),
    Privilege("TABLE", '"public".file_status_history', "SELECT"),
    Privilege("TABLE", '"public".file_status_history', "INSERT"),
    Privilege("FUNCTION", FUNCTION, "EXECUTE"),
}


def test_the_grants_ship_with_the_package_and_give_exactly_the_runtime_privileges() -> None:
    text = importlib.resources.files("workflow_file_status").joinpath(GRANTS_SQL).read_text()
    assert ':"role"' in text  # usable with psql -v role=...
    statements = grant_statements("worker")
    assert all(s.startswith("GRANT ") and s.endswith(' TO "worker"') for s in statements)
    assert set(privileges(statements)) == RUNTIME
    words = " ".join(statements).upper()
    for wider in ("CREATE", "DELETE", "TRUNCATE", "ALL", "REFERENCES", "TRIGGER", "SEQUENCE"):
        assert wider not in words, wider


def test_role_and_schema_are_quoted_identifiers_never_sql() -> None:
    hostile = 'x"; DROP TABLE files; --'
    statements = grant_statements(hostile, schema="My Schema")
    assert all(s.endswith(' TO "x""; DROP TABLE files; --"') for s in statements)
    assert statements[0] == 'GRANT USAGE ON SCHEMA "My Schema" TO "x""; DROP TABLE files; --"'
    assert statements[1].startswith('GRANT SELECT, INSERT, UPDATE ON TABLE "My Schema".files')
    assert Privilege("SCHEMA", "My Schema", "USAGE") in privileges(statements)
    assert quote_identifier("Worker") == '"Worker"'  # exactly as named: case kept
    assert quote_identifier("é" * 31) == '"' + "é" * 31 + '"'  # 62 bytes: kept


@pytest.mark.parametrize(
    "role",
    # "é" * 32 is 64 bytes: PostgreSQL would truncate it to another name.
    [
        "",
        "public",
        "PUBLIC",
        "Public",
        "none",
        "pg_read_all_data",
        "a\nb",
        "a\x00b",
        "r" * 64,
        "é" * 32,
    ],
)
def test_names_that_quoting_cannot_make_safe_are_refused(role: str) -> None:
    with pytest.raises(ValueError):
        grant_statements(role)


def test_print_shows_the_statements_without_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grant", "worker", "--print"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{s};" for s in grant_statements("worker")]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["grant", "public", "--print"], "grant: refusing to grant to 'public'"),
        (["grant", "w", "--database-url", "sqlite:///x.db"], "grant: roles and grants are"),
        (["upgrade", "--database-url", "nonsense://"], "migrate: "),
    ],
)
def test_usage_errors_exit_2_in_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(expected) and len(captured.err.splitlines()) == 1


def test_an_unreachable_server_names_the_role_never_the_password() -> None:
    url = "postgresql://app:hunter2@db.example:5432/files"
    err = as_migration_error(
        ConnectionRefusedError(111, "Connect call failed"), action="migrate", database_url=url
    )
    assert err.failure is MigrationFailure.CANNOT_CONNECT
    assert err.message == (
        'migrate: Connect call failed (ConnectionRefusedError) as role "app": check that the'
        " database server runs and is reachable at the URL's host and port"
    )


def test_a_revision_asked_for_is_told_from_one_only_the_database_knows() -> None:
    missing = CommandError("No such revision or branch '0099'")
    asked = as_migration_error(missing, action="migrate", database_url="sqlite://", revision="0099")
    assert asked.message.endswith(
        ": not a revision of this version of workflow-file-status"
        " (use head, base or one of its migrations)"
    )
    stored = as_migration_error(
        missing, action="migrate", database_url="sqlite://", revision="head"
    )
    assert "migrated by a newer version" in stored.message


def test_a_bad_url_and_an_unknown_revision_have_their_own_reasons() -> None:
    bad = as_migration_error(ArgumentError("Could not parse"), action="migrate", database_url="x")
    assert bad.failure is MigrationFailure.BAD_URL and "check the database URL" in bad.message
    newer = as_migration_error(
        CommandError("Can't locate revision identified by '0099'"),
        action="migrate",
        database_url="sqlite:///files.db",
    )
    assert newer.failure is MigrationFailure.FAILED
    assert newer.message == (
        "migrate: Can't locate revision identified by '0099' (CommandError): the database was"
        " migrated by a newer version of workflow-file-status: run that version (or a later one)"
    )


def test_the_error_is_one_line_and_survives_pickling() -> None:
    err = MigrationError("migrate: a\nb\r\n  c", MigrationFailure.FAILED, "XX000")
    assert str(err) == err.message == "migrate: a b c"
    again = pickle.loads(pickle.dumps(err))
    assert (again.message, again.failure, again.sqlstate) == (err.message, err.failure, "XX000")


def test_a_quote_or_a_line_break_in_the_user_name_cannot_break_the_line() -> None:
    url = "postgresql://a%22b%0Ac@127.0.0.1:1/files"
    err = as_migration_error(OSError("refused"), action="migrate", database_url=url)
    assert 'as role "a\\"b\\nc"' in err.message and "\n" not in err.message


def test_a_connection_setting_asyncpg_refuses_is_a_bad_url_not_an_outage() -> None:
    # ClientConfigurationError is also an InterfaceError (what a lost connection raises).
    refused = asyncpg_base.ClientConfigurationError("`sslmode` parameter must be one of: ...")
    err = as_migration_error(refused, action="migrate", database_url="postgresql://u:pw@h/db")
    assert err.failure is MigrationFailure.BAD_URL
    assert "pw" not in err.message
