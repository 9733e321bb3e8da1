"""Checks recorded file-status history against what every attempt was told.

A pure function over plain rows, so it is unit-tested on hand-made histories too.

An attempt may answer "no change" (a no-op, or an illegal transition) for an execution that
also has a change: only if it decided on an older version of the file than that change, that
is before any attempt of its execution committed. Its twin, running later on a file others
moved meanwhile, may then legitimately apply it (Temporal discards the first attempt's
answer once the next attempt has started). An attempt deciding after its execution's commit
must report that commit: the case a snapshot taken before the row lock got wrong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from workflow_contracts import FileStatus, StatusChange, TransitionGraph

__all__ = ["Attempt", "Refused", "Row", "check_history"]


@dataclass(frozen=True)
class Row:
    """One history row."""

    file_id: UUID
    version: int
    from_status: str
    to_status: str
    execution_id: str | None


@dataclass(frozen=True)
class Refused:
    """A typed error an attempt got, and the file's version it saw (if the error says)."""

    error: str
    version: int | None = None


@dataclass(frozen=True)
class Attempt:
    """What one attempt of an execution was told."""

    execution_id: str
    file_id: UUID
    target: FileStatus
    outcome: StatusChange | Refused


def check_history(
    files: Mapping[UUID, tuple[str, int]],
    rows: Iterable[Row],
    attempts: Iterable[Attempt],
    transitions: TransitionGraph,
    *,
    initial: FileStatus = FileStatus.PENDING,
) -> list[str]:
    """Every inconsistency found (empty when the history is sound).

    Per file: versions 2..N without gaps, each row moving from the previous row's status
    along an edge of ``transitions``, ``files`` at the chain's end. Per execution: at most
    one row, and every attempt that returned was told exactly that row's change, or "no
    change" (a no-op, an illegal transition) decided on an older version than the row;
    without a row, only "no change".

    Args:
        files: Current (status, version) of every file checked.
        rows: Their history rows.
        attempts: Every attempt that returned (a change or a typed error).
        transitions: The graph the changes obeyed.
        initial: The status files are registered in.
    """
    problems: list[str] = []
    by_file: dict[UUID, list[Row]] = defaultdict(list)
    by_execution: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_file[row.file_id].append(row)
        if row.execution_id is not None:
            by_execution[row.execution_id].append(row)
    for file_id, (status, version) in files.items():
        chain = sorted(by_file.get(file_id, []), key=lambda r: r.version)
        if [r.version for r in chain] != list(range(2, len(chain) + 2)):
            problems.append(f"{file_id}: versions {[r.version for r in chain]} have gaps")
        previous = initial.value
        for r in chain:
            if r.from_status != previous:
                problems.append(f"{file_id} v{r.version}: from {r.from_status}, was {previous}")
            if FileStatus(r.to_status) not in transitions.get(FileStatus(r.from_status), ()):
                problems.append(f"{file_id} v{r.version}: {r.from_status}->{r.to_status} illegal")
            previous = r.to_status
        if (status, version) != (previous, len(chain) + 1):
            problems.append(
                f"{file_id}: file is {status} v{version}, history ends {previous} v{len(chain) + 1}"
            )
    for key, committed in by_execution.items():
        if len(committed) > 1:
            problems.append(f"execution {key}: {len(committed)} history rows")
    for attempt in attempts:
        problem = _check_attempt(attempt, by_execution.get(attempt.execution_id, []))
        if problem:
            problems.append(f"execution {attempt.execution_id}: {problem}")
    return problems


def _check_attempt(attempt: Attempt, committed: list[Row]) -> str | None:
    outcome = attempt.outcome
    if isinstance(outcome, Refused) and outcome.error != "InvalidStatusTransitionError":
        return f"unexpected {outcome}"
    if (
        isinstance(outcome, StatusChange)
        and not outcome.changed
        and (outcome.current is not attempt.target or outcome.previous is not attempt.target)
    ):
        return f"told {outcome} for target {attempt.target}"
    if not committed:
        if isinstance(outcome, StatusChange) and outcome.changed:
            return f"told {outcome}, wrote nothing"
        return None
    r = committed[0]
    if isinstance(outcome, StatusChange) and outcome.changed:
        expected = StatusChange(
            r.file_id, FileStatus(r.from_status), FileStatus(r.to_status), True, r.version
        )
        return None if outcome == expected else f"told {outcome}, committed {r}"
    # "No change" is right only when decided before the execution's change existed.
    seen = outcome.version
    if seen is None or seen >= r.version:
        return f"told {outcome} at version {seen}, after its execution committed {r}"
    return None
