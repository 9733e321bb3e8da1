"""The demo's report: what happened to each file, the aggregates, and how they are printed.

Up to `TABLE_MAX_FILES` files the report lists every file; above, it shows the aggregates and
only the files that did not end as expected.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from workflow_contracts import ActivityMode, FileStatus
from workflow_file_status import FileRead, StatusHistoryRead

__all__ = [
    "BAD_HISTORY",
    "GOOD_HISTORY",
    "TABLE_MAX_FILES",
    "DemoReport",
    "FileOutcome",
    "check",
    "duplicates",
    "print_report",
    "report_document",
]

S = FileStatus
GOOD_HISTORY = [
    (S.PENDING, S.PROCESSING),
    (S.PROCESSING, S.COMPLETED),
    (S.COMPLETED, S.PROCESSING),
    (S.PROCESSING, S.COMPLETED),
]
BAD_HISTORY = [(S.PENDING, S.PROCESSING), (S.PROCESSING, S.FAILED)]

TABLE_MAX_FILES = 50
"""Above this many files the report shows aggregates and the unexpected files only."""


@dataclass
class FileOutcome:
    """What happened to one file."""

    file: FileRead
    expected_good: bool
    final: FileRead | None = None
    history: list[StatusHistoryRead] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    latency: float | None = None
    """Seconds from its ingestion start to its last event (None: it never arrived)."""

    def problems(self) -> list[str]:
        """What did not happen as expected to this file (empty: all did)."""
        name = self.file.name
        found = []
        chain = [(h.from_status, h.to_status) for h in self.history]
        types = sorted(e["detail-type"] for e in self.events)
        versions = [h.version for h in self.history]
        if versions != list(range(2, len(versions) + 2)):
            found.append(f"{name}: history versions {versions} are not contiguous")
        final = self.final.status if self.final else None
        if self.expected_good:
            if final is not S.COMPLETED:
                found.append(f"{name}: expected COMPLETED, got {final}")
            if chain != GOOD_HISTORY:
                found.append(f"{name}: unexpected history {chain}")
            if types != ["evaluation_completed", "file_ingested_successfully"]:
                found.append(f"{name}: unexpected events {types}")
        else:
            if final is not S.FAILED:
                found.append(f"{name}: expected FAILED, got {final}")
            if chain != BAD_HISTORY:
                found.append(f"{name}: unexpected history {chain}")
            if types != ["file_ingestion_failed"]:
                found.append(f"{name}: unexpected events {types}")
        return found


@dataclass
class DemoReport:
    """The demo's findings."""

    outcomes: list[FileOutcome]
    events: list[dict[str, Any]]
    seconds: float
    problems: list[str]
    evaluations_started: int = 0
    duplicate_deliveries: int = 0
    queue_left: int = 0
    dead_letters: int = 0
    max_receive_count: int = 0
    mode: str = ActivityMode.REGULAR.value
    concurrency: int = 0
    worker_warnings: list[str] = field(default_factory=list)
    """The workers' last warnings, kept when something did not happen as expected."""

    @property
    def ok(self) -> bool:
        """True when every expectation held."""
        return not self.problems

    @property
    def files_per_second(self) -> float:
        """Files (each ingested and evaluated, or failed) per second of the run."""
        return len(self.outcomes) / self.seconds if self.seconds > 0 else 0.0

    def final_counts(self) -> Counter[str]:
        """Files per final status (``missing`` for a file not found at the end)."""
        return Counter(o.final.status.value if o.final else "missing" for o in self.outcomes)

    def event_counts(self) -> Counter[str]:
        """Events received per type."""
        return Counter(e["detail-type"] for e in self.events)

    def unexpected(self) -> list[tuple[FileOutcome, list[str]]]:
        """The files that did not end as expected, each with what went wrong."""
        found = []
        for o in self.outcomes:
            problems = o.problems()
            if problems:
                found.append((o, problems))
        return found

    def latency_percentiles(self) -> dict[str, float] | None:
        """p50, p90, p99 and max of the files' latencies (None: none arrived)."""
        values = sorted(o.latency for o in self.outcomes if o.latency is not None)
        if not values:
            return None
        return {
            "p50": _percentile(values, 50),
            "p90": _percentile(values, 90),
            "p99": _percentile(values, 99),
            "max": values[-1],
        }


def _percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def duplicates(events: list[dict[str, Any]]) -> int:
    """Deliveries of an event id already received."""
    ids = [e["detail"]["id"] for e in events]
    return len(ids) - len(set(ids))


def check(outcomes: list[FileOutcome], events: list[dict[str, Any]]) -> list[str]:
    problems = []
    if duplicates(events):
        problems.append("an event id arrived twice")
    for o in outcomes:
        problems += o.problems()
    return problems


def _chain(history: list[StatusHistoryRead]) -> str:
    if not history:
        return "-"
    return " > ".join([history[0].from_status.value[:4], *(h.to_status.value[:4] for h in history)])


def _file_table(title: str, rows: list[tuple[FileOutcome, list[str]]]) -> Table:
    with_problems = any(problems for _, problems in rows)
    table = Table(title=title, show_lines=False)
    for column in ("file", "final", "history", "events (type: id)"):
        table.add_column(column)
    if with_problems:
        table.add_column("what went wrong")
    for o, problems in rows:
        status = o.final.status.value if o.final else "?"
        colour = "green" if status == "COMPLETED" else "red"
        events = "\n".join(f"{e['detail-type']}: {e['detail']['id'][:8]}" for e in o.events)
        cells = [o.file.name, f"[{colour}]{status}[/]", _chain(o.history), events]
        if with_problems:
            name = o.file.name
            cells.append("\n".join(p.removeprefix(f"{name}: ") for p in problems))
        table.add_row(*cells)
    return table


def _seconds(value: float) -> str:
    return f"{value:.2f}s"


def print_report(report: DemoReport, console: Console, *, full_table: bool | None = None) -> None:
    """Prints the files (every one, or only the unexpected ones above `TABLE_MAX_FILES`).

    Then the aggregates: files per final status, events per type, duplicate deliveries,
    throughput, latency percentiles, the queues, and the verdict.
    """
    files = len(report.outcomes)
    if full_table is None:
        full_table = files <= TABLE_MAX_FILES
    unexpected = report.unexpected()
    if full_table:
        problems_of = {id(o): problems for o, problems in unexpected}
        rows = [(o, problems_of.get(id(o), [])) for o in report.outcomes]
        console.print(_file_table("Files", rows))
    elif unexpected:
        console.print(
            _file_table(f"Files not as expected ({len(unexpected)} of {files})", unexpected)
        )
    else:
        console.print(
            f"Every one of the {files} files ended as expected (files are listed up to"
            f" {TABLE_MAX_FILES}; --full-table lists them all)."
        )
    finals = report.final_counts()
    counts = report.event_counts()
    summary = Table(title="Summary", show_header=False)
    summary.add_column("what", style="bold")
    summary.add_column("value")
    summary.add_row("mode", f"{report.mode}, at most {report.concurrency} files in flight")
    summary.add_row(
        "final status",
        ", ".join(f"{status} {n}" for status, n in sorted(finals.items())) or "-",
    )
    summary.add_row(
        "events",
        f"{len(report.events)}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
    )
    summary.add_row("duplicate deliveries", str(report.duplicate_deliveries))
    summary.add_row("not as expected", f"{len(unexpected)} file(s)")
    summary.add_row(
        "throughput",
        f"{files} files in {report.seconds:.1f}s ({report.files_per_second:.1f} files/s)",
    )
    latency = report.latency_percentiles()
    summary.add_row(
        "latency (start to last event)",
        " ".join(f"{k} {_seconds(v)}" for k, v in latency.items()) if latency else "-",
    )
    console.print(summary)
    console.print(
        f"{files} files in {report.seconds:.1f}s ({report.files_per_second:.1f} files/s); "
        f"events on the queue: {len(report.events)} "
        + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
    )
    console.print(
        f"evaluation queue: {report.queue_left} message(s) left; dead-letter queue: "
        f"{report.dead_letters} message(s) (redrive after {report.max_receive_count} receives)"
    )
    if report.ok:
        console.print("[bold green]All expected outcomes happened.[/]")
    else:
        console.print("[bold red]Unexpected outcomes:[/]")
        shown = report.problems[:20]
        for problem in shown:
            console.print(f"  - {problem}")
        if len(report.problems) > len(shown):
            console.print(f"  ... and {len(report.problems) - len(shown)} more")
        if report.worker_warnings:
            console.print("[bold]The workers' last warnings:[/]")
            for line in report.worker_warnings:
                console.print(f"  {line}", markup=False, highlight=False)


def report_document(report: DemoReport) -> dict[str, Any]:
    """The report's aggregates as JSON (``--report-json``)."""
    return {
        "ok": report.ok,
        "mode": report.mode,
        "concurrency": report.concurrency,
        "files": len(report.outcomes),
        "seconds": report.seconds,
        "files_per_second": report.files_per_second,
        "final_status": dict(report.final_counts()),
        "events": dict(report.event_counts()),
        "duplicate_deliveries": report.duplicate_deliveries,
        "unexpected_files": [o.file.name for o, _ in report.unexpected()],
        "latency_seconds": report.latency_percentiles(),
        "queue_left": report.queue_left,
        "dead_letters": report.dead_letters,
        "problems": report.problems,
        "worker_warnings": report.worker_warnings,
    }
