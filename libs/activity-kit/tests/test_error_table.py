"""The engine every backend's error table is read by: what a row matches, and in what order."""

import re
from datetime import timedelta

import pytest
from workflow_activity_kit import ErrorFacts, ErrorRow, first_row, safe_message, shorten, shorten_in
from workflow_contracts.errors import (
    DatabaseConflictError,
    DatabaseUnavailableError,
    EventThrottledError,
    InvalidArgumentsError,
    SchemaNotMigratedError,
)


def facts(
    *chain: BaseException,
    sqlstate: str | None = None,
    code: str | None = None,
    message: str = "",
    status: int | None = None,
) -> ErrorFacts:
    return ErrorFacts(chain, "X", sqlstate, code, message, status)


@pytest.mark.parametrize(
    ("row", "matching", "not_matching"),
    [
        (
            ErrorRow(DatabaseConflictError, "c", sqlstates=frozenset({"40001"})),
            facts(sqlstate="40001"),
            facts(sqlstate="40002"),
        ),
        (
            ErrorRow(InvalidArgumentsError, "c", sqlstates=frozenset({"22"})),
            facts(sqlstate="22P05"),
            facts(sqlstate="23505"),
        ),
        (
            ErrorRow(DatabaseConflictError, "c", codes=frozenset({"SQLITE_BUSY"})),
            facts(code="SQLITE_BUSY_RECOVERY"),
            facts(code="SQLITE_BUSYNESS"),
        ),
        (
            ErrorRow(EventThrottledError, "c", codes=frozenset({"Throttling"})),
            facts(code="Throttling"),
            facts(code="ThrottlingException"),
        ),
        (
            ErrorRow(EventThrottledError, "c", statuses=(429,)),
            facts(status=429),
            facts(status=None),
        ),
        (
            ErrorRow(DatabaseUnavailableError, "c", statuses=(range(500, 600), 0)),
            facts(status=0),
            facts(status=499),
        ),
        (
            ErrorRow(DatabaseUnavailableError, "c", types=(OSError,)),
            facts(RuntimeError("outer"), ConnectionResetError()),
            facts(RuntimeError("x")),
        ),
        (
            ErrorRow(SchemaNotMigratedError, "c", messages=(r"no such table",)),
            facts(message="No such TABLE: files"),
            facts(message="no table"),
        ),
    ],
)
def test_a_row_matches_any_of_its_criteria(
    row: ErrorRow, matching: ErrorFacts, not_matching: ErrorFacts
) -> None:
    assert row.matches(matching)
    assert not row.matches(not_matching)


def test_the_first_matching_row_wins_and_none_when_no_row_matches() -> None:
    specific = ErrorRow(DatabaseConflictError, "specific", sqlstates=frozenset({"40001"}))
    broad = ErrorRow(DatabaseUnavailableError, "broad", sqlstates=frozenset({"40"}))
    assert first_row(facts(sqlstate="40001"), (specific, broad)) is specific
    assert first_row(facts(sqlstate="40001"), (broad, specific)) is broad
    assert first_row(facts(sqlstate="08006"), (specific, broad)) is None


def test_the_delay_is_the_row_s_then_the_operator_s_then_temporal_s() -> None:
    operator = timedelta(seconds=30)
    second = timedelta(seconds=1)
    assert ErrorRow(EventThrottledError, "c", delay=second).retry_delay(operator) == second
    assert ErrorRow(SchemaNotMigratedError, "c").retry_delay(operator) == operator
    assert ErrorRow(DatabaseUnavailableError, "c").retry_delay(operator) is None


def test_a_safe_message_is_one_redacted_line_cut_short() -> None:
    secret = [(re.compile(r"password=\S+"), "password=***")]
    assert safe_message("  bad password=hunter2 here\nSELECT secret", 100, secret) == (
        "bad password=*** here"
    )
    assert safe_message("x" * 50, 20) == "x" * 17 + "..."
    assert safe_message("first\r\nsecond", 100) == "first"
    assert safe_message("   ", 10) == ""


def test_a_long_name_is_shortened_in_its_middle_and_in_a_message() -> None:
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/" + "b" * 200
    short = shorten(arn)
    assert len(short) == 100 and short.startswith(arn[:60]) and short.endswith("b" * 37)
    assert shorten("orders") == "orders"
    text = shorten_in(f"bus {arn} missing", arn)
    assert arn not in text and short in text
