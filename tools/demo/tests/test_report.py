"""The demo's report from made-up outcomes: aggregates above 50 files, the full table below.

No stack runs here and no time is asserted: the report is rendered from a `DemoReport`.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from workflow_contracts import FileStatus
from workflow_demo.report import (
    BAD_HISTORY,
    GOOD_HISTORY,
    TABLE_MAX_FILES,
    DemoReport,
    FileOutcome,
    print_report,
    report_document,
)
from workflow_demo.run import main
from workflow_file_status import FileRead, StatusHistoryRead

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def history(file_id: uuid.UUID, chain: list[tuple[FileStatus, FileStatus]]) -> list[Any]:
    return [
        StatusHistoryRead(
            file_id=file_id,
            from_status=a,
            to_status=b,
            version=i + 2,
            changed_at=NOW,
            workflow_id="w",
            run_id="r",
            activity_id=str(i + 1),
            attempt=1,
        )
        for i, (a, b) in enumerate(chain)
    ]


def event(file_id: uuid.UUID, source: str, kind: str, event_id: str | None = None) -> Any:
    return {
        "source": source,
        "detail-type": kind,
        "detail": {"id": event_id or str(uuid.uuid4()), "data": {"file_id": str(file_id)}},
    }


def outcome(name: str, *, good: bool = True, latency: float | None = 1.0) -> FileOutcome:
    file_id = uuid.uuid4()
    status = FileStatus.COMPLETED if good else FileStatus.FAILED
    chain = GOOD_HISTORY if good else BAD_HISTORY
    events = (
        [
            event(file_id, "ingestion", "file_ingested_successfully"),
            event(file_id, "evaluation", "evaluation_completed"),
        ]
        if good
        else [event(file_id, "ingestion", "file_ingestion_failed")]
    )
    file = FileRead(
        id=file_id,
        name=name,
        uri=f"/data/{name}",
        status=status,
        version=len(chain) + 1,
        created_at=NOW,
        updated_at=NOW,
    )
    return FileOutcome(
        file=file,
        expected_good=good,
        final=file,
        history=history(file_id, chain),
        events=events,
        latency=latency,
    )


def make_report(files: int, *, broken: bool = True) -> DemoReport:
    """``files`` files: all as expected, plus (``broken``) one evaluated twice."""
    outcomes = [outcome("broken.csv", good=False, latency=0.5)]
    outcomes += [outcome(f"generated-{i:04d}.csv", latency=float(i + 1)) for i in range(files - 1)]
    if broken:
        odd = outcomes[7]
        # Its evaluation event delivered twice (same id).
        odd.events.append(dict(odd.events[-1]))
    events = [e for o in outcomes for e in o.events]
    report = DemoReport(outcomes, events, seconds=20.0, problems=[], mode="local", concurrency=32)
    report.duplicate_deliveries = len(events) - len({e["detail"]["id"] for e in events})
    report.problems = [p for o in outcomes for p in o.problems()]
    report.max_receive_count = 3
    return report


def render(report: DemoReport, **options: Any) -> str:
    console = Console(record=True, width=160, color_system=None)
    print_report(report, console, **options)
    return console.export_text()


def test_large_run_shows_aggregates_and_only_the_unexpected_files() -> None:
    report = make_report(120)
    out = render(report)
    assert len(report.outcomes) > TABLE_MAX_FILES
    # Only the unexpected file is listed, with what went wrong.
    assert "Files not as expected (1 of 120)" in out
    assert "generated-0006.csv" in out
    assert "unexpected events" in out
    assert "generated-0005.csv" not in out and "generated-0100.csv" not in out
    assert "broken.csv" not in out  # it failed as expected
    # The aggregates.
    assert "COMPLETED 119, FAILED 1" in out
    assert "240: evaluation_completed 120, file_ingested_successfully 119" in out
    assert "file_ingestion_failed 1" in out
    assert re.search(r"duplicate deliveries\s+│ 1\s", out)
    assert re.search(r"not as expected\s+│ 1 file\(s\)", out)
    assert "120 files in 20.0s (6.0 files/s)" in out
    assert "local, at most 32 files in flight" in out
    # Latencies 0.5, 1, 2, ..., 119 s: nearest-rank percentiles.
    assert "p50 59.00s p90 107.00s p99 118.00s max 119.00s" in out
    assert "Unexpected outcomes:" in out


def test_large_run_without_problems_lists_no_file() -> None:
    out = render(make_report(60, broken=False))
    assert "Every one of the 60 files ended as expected" in out
    assert "generated-0001.csv" not in out
    assert "All expected outcomes happened." in out


def test_small_run_lists_every_file_and_full_table_forces_it() -> None:
    small = render(make_report(10))
    assert all(f"generated-{i:04d}.csv" in small for i in range(9))
    assert "broken.csv" in small and "FAILED" in small
    large = render(make_report(60), full_table=True)
    assert all(f"generated-{i:04d}.csv" in large for i in range(59))


def test_a_file_that_never_finished_has_no_latency() -> None:
    report = make_report(60, broken=False)
    report.outcomes[3].latency = None
    percentiles = report.latency_percentiles()
    assert percentiles is not None and percentiles["max"] == 59.0
    assert render(report).count("generated-") == 0


def test_report_document_carries_the_aggregates() -> None:
    document = report_document(make_report(120))
    json.dumps(document)  # serialisable as it is
    assert document["files"] == 120
    assert document["files_per_second"] == pytest.approx(6.0)
    assert document["final_status"] == {"COMPLETED": 119, "FAILED": 1}
    assert document["duplicate_deliveries"] == 1
    assert document["unexpected_files"] == ["generated-0006.csv"]
    assert document["latency_seconds"]["p50"] == 59.0
    assert document["ok"] is False


@pytest.mark.parametrize(
    "argv",
    [["--mode", "remote"], ["--concurrency", "0"], ["--workers", "thread"]],
    ids=["mode", "concurrency", "workers"],
)
def test_bad_options_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
