"""The history checker: reads what the drill left behind and checks every invariant."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from workflow_contracts import DEFAULT_TRANSITIONS, FileStatus, TransitionGraph

__all__ = [
    "EventRecord",
    "Evidence",
    "HistoryRow",
    "Invariant",
    "WorkflowRow",
    "check",
    "file_of",
    "restrict",
]

GOOD_CHAIN = ["PROCESSING", "COMPLETED", "PROCESSING", "COMPLETED"]
BAD_CHAIN = ["PROCESSING", "FAILED"]


@dataclass(frozen=True)
class HistoryRow:
    """One row of ``file_status_history``."""

    file_id: str
    version: int
    from_status: str
    to_status: str
    execution_id: str | None


@dataclass(frozen=True)
class WorkflowRow:
    """One workflow execution as the server lists it (``result_event_id`` when completed)."""

    workflow_id: str
    workflow_type: str
    status: str
    result_event_id: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class EventRecord:
    """One event drained from the audit queue (every event of both apps lands there)."""

    event_id: str
    source: str
    detail_type: str
    file_id: str
    detail: str  # canonical JSON of ``detail``: duplicates must be equal to the byte


@dataclass
class Evidence:
    """Everything read after the run."""

    good: set[str]
    malformed: set[str]
    files: dict[str, tuple[str, int]]  # id -> (status, version)
    history: list[HistoryRow]
    workflows: list[WorkflowRow]
    events: list[EventRecord]
    dead_letters: int = 0


@dataclass
class Invariant:
    """One checked property: how many things were checked, and what violated it."""

    name: str
    checked: int = 0
    violations: list[str] = field(default_factory=list)

    def expect(self, ok: bool, what: str) -> None:
        """Counts one check; records ``what`` when it failed."""
        self.checked += 1
        if not ok:
            self.violations.append(what)


def canonical(detail: Any) -> str:
    """The canonical text of an event's ``detail`` (sorted keys, no spaces)."""
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def file_of(workflow_id: str) -> str | None:
    """The file a drill workflow works on (from its id), or None."""
    # ingest-<uuid> / evaluate-<uuid>-<event uuid>
    for prefix in ("ingest-", "evaluate-"):
        if workflow_id.startswith(prefix):
            return workflow_id[len(prefix) : len(prefix) + 36]
    return None


def restrict(evidence: Evidence, file_ids: set[str]) -> Evidence:
    """The evidence of some files only (their rows, workflows and events)."""
    return Evidence(
        good=evidence.good & file_ids,
        malformed=evidence.malformed & file_ids,
        files={k: v for k, v in evidence.files.items() if k in file_ids},
        history=[r for r in evidence.history if r.file_id in file_ids],
        workflows=[w for w in evidence.workflows if file_of(w.workflow_id) in file_ids],
        events=[e for e in evidence.events if e.file_id in file_ids],
        dead_letters=evidence.dead_letters,
    )


def check(evidence: Evidence, graph: TransitionGraph = DEFAULT_TRANSITIONS) -> list[Invariant]:
    """Checks every invariant; returns them with their counts and violations."""
    by_file: dict[str, list[HistoryRow]] = defaultdict(list)
    for row in evidence.history:
        by_file[row.file_id].append(row)
    for rows in by_file.values():
        rows.sort(key=lambda r: r.version)

    outcome = Invariant("good files COMPLETED after both stages, malformed FAILED")
    stuck = Invariant("no file stuck, no workflow still running")
    chain = Invariant("gapless legal version chain per file")
    executions = Invariant("one history row per execution")
    version = Invariant("files.version and status equal the chain's end")
    evaluations = Invariant("exactly one evaluation per good file, none for malformed")
    present = Invariant("every expected event present (by detail.id)")
    identical = Invariant("duplicates of one event id byte-identical")
    healthy = Invariant("no workflow failed, timed out or was terminated")
    dead = Invariant("no message dead-lettered")

    for file_id in sorted(evidence.good | evidence.malformed):
        status, current = evidence.files.get(file_id, ("MISSING", 0))
        rows = by_file.get(file_id, [])
        statuses = [r.to_status for r in rows]
        want = GOOD_CHAIN if file_id in evidence.good else BAD_CHAIN
        outcome.expect(statuses == want, f"{file_id}: history {statuses}, want {want}")
        stuck.expect(status not in ("PENDING", "PROCESSING"), f"{file_id}: still {status}")
        previous, expected_version = FileStatus.PENDING.value, 2
        for row in rows:
            legal = FileStatus(row.to_status) in graph.get(FileStatus(row.from_status), ())
            chain.expect(
                row.version == expected_version and row.from_status == previous and legal,
                f"{file_id}: v{row.version} {row.from_status}->{row.to_status}"
                f" after v{expected_version - 1} {previous}",
            )
            previous, expected_version = row.to_status, row.version + 1
        keys = Counter(r.execution_id for r in rows)
        executions.expect(all(n == 1 for n in keys.values()), f"{file_id}: {keys.most_common(1)}")
        end = (rows[-1].to_status, rows[-1].version) if rows else ("PENDING", 1)
        version.expect(
            (status, current) == end, f"{file_id}: file {status} v{current}, chain {end}"
        )

    evaluated: Counter[str] = Counter()
    expected_ids: set[str] = set()
    for wf in evidence.workflows:
        healthy.expect(
            wf.status in ("COMPLETED", "RUNNING"),
            f"{wf.workflow_id}: {wf.status} {wf.failure or ''}",
        )
        stuck.expect(wf.status != "RUNNING", f"{wf.workflow_id}: still running")
        of = file_of(wf.workflow_id)
        if wf.workflow_type == "EvaluateFileWorkflow" and of:
            evaluated[of] += 1
        if wf.result_event_id:
            expected_ids.add(wf.result_event_id)
    for file_id in sorted(evidence.good):
        evaluations.expect(evaluated[file_id] == 1, f"{file_id}: {evaluated[file_id]} evaluations")
    for file_id in sorted(evidence.malformed):
        evaluations.expect(evaluated[file_id] == 0, f"{file_id}: {evaluated[file_id]} evaluations")

    seen: dict[str, set[str]] = defaultdict(set)
    for event in evidence.events:
        seen[event.event_id].add(event.detail)
    for event_id in sorted(expected_ids):
        present.expect(event_id in seen, f"{event_id}: never arrived")
    for event_id, details in sorted(seen.items()):
        identical.expect(len(details) == 1, f"{event_id}: {len(details)} different details")
    dead.expect(evidence.dead_letters == 0, f"{evidence.dead_letters} message(s) dead-lettered")
    return [
        outcome,
        stuck,
        chain,
        executions,
        version,
        evaluations,
        present,
        identical,
        healthy,
        dead,
    ]
