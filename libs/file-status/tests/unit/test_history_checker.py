"""The storm's history checker finds what it must (so its silence means something)."""

from uuid import UUID, uuid4

from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, StatusChange

from tests.history_checker import Attempt, Refused, Row, check_history

S = FileStatus
F = uuid4()


def rows(*chain: tuple[int, str, str, str | None]) -> list[Row]:
    return [Row(F, v, a, b, key) for v, a, b, key in chain]


def check(
    file: tuple[str, int], history: list[Row], attempts: list[Attempt] | None = None
) -> list[str]:
    return check_history({F: file}, history, attempts or [], DEFAULT_TRANSITIONS)


def change(a: S, b: S, version: int, file_id: UUID = F) -> StatusChange:
    return StatusChange(file_id, a, b, True, version)


def test_a_sound_history_passes() -> None:
    history = rows((2, "PENDING", "PROCESSING", "x"), (3, "PROCESSING", "COMPLETED", "y"))
    attempts = [
        Attempt("x", F, S.PROCESSING, change(S.PENDING, S.PROCESSING, 2)),
        Attempt("x", F, S.PROCESSING, change(S.PENDING, S.PROCESSING, 2)),  # its twin
        Attempt("y", F, S.COMPLETED, change(S.PROCESSING, S.COMPLETED, 3)),
        Attempt("z", F, S.COMPLETED, StatusChange(F, S.COMPLETED, S.COMPLETED, False, 3)),
        Attempt("w", F, S.FAILED, Refused("InvalidStatusTransitionError", 3)),
        # Decided "no change" on version 1, before its twin committed at version 2.
        Attempt("x", F, S.PROCESSING, Refused("InvalidStatusTransitionError", 1)),
    ]
    assert check(("COMPLETED", 3), history, attempts) == []


def test_chain_faults_are_found() -> None:
    assert check(("PROCESSING", 3), rows((3, "PENDING", "PROCESSING", None)))  # gap
    assert check(("COMPLETED", 2), rows((2, "PENDING", "COMPLETED", None)))  # illegal edge
    assert check(
        ("FAILED", 3), rows((2, "PENDING", "FAILED", None), (3, "PENDING", "FAILED", None))
    )
    assert check(("PENDING", 2), rows((2, "PENDING", "PROCESSING", None)))  # file disagrees
    two = rows((2, "PENDING", "PROCESSING", "x"), (3, "PROCESSING", "FAILED", "x"))
    assert any("2 history rows" in p for p in check(("FAILED", 3), two))


def test_a_twin_told_no_change_after_its_execution_committed_is_found() -> None:
    history = rows((2, "PENDING", "PROCESSING", "x"))
    late_no_op = StatusChange(F, S.PROCESSING, S.PROCESSING, False, 2)
    assert check(("PROCESSING", 2), history, [Attempt("x", F, S.PROCESSING, late_no_op)])
    late_refusal = Refused("InvalidStatusTransitionError", 2)
    assert check(("PROCESSING", 2), history, [Attempt("x", F, S.PROCESSING, late_refusal)])


def test_wrong_reports_are_found() -> None:
    history = rows((2, "PENDING", "PROCESSING", "x"))
    wrong_version = change(S.PENDING, S.PROCESSING, 3)
    assert check(("PROCESSING", 2), history, [Attempt("x", F, S.PROCESSING, wrong_version)])
    phantom = change(S.PENDING, S.FAILED, 2)
    assert check(("PROCESSING", 2), history, [Attempt("y", F, S.FAILED, phantom)])
    retryable = Refused("DatabaseUnavailableError")
    assert check(("PROCESSING", 2), history, [Attempt("y", F, S.FAILED, retryable)])
