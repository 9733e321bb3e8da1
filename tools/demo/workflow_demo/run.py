"""The demo: registers files, ingests them, lets the events trigger evaluations, reports.

    python -m workflow_demo [--files N] [--database-url URL] [--keep-running]

Exit code 0 only if every expected outcome happened: good files COMPLETED and evaluated, the
malformed one FAILED with its failure event, no duplicate status change or event, and nothing
left in the evaluation queue or its dead-letter queue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import evaluation_worker.settings as evaluation_settings
import evaluation_worker.worker as evaluation
import ingestion_worker.settings as ingestion_settings
import ingestion_worker.worker as ingestion
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from workflow_shared_activities import (
    FileCreate,
    FileRead,
    FileStatus,
    SqlFileStatusRepository,
    StatusHistoryRead,
    create_engine,
)

from workflow_demo.samples import MALFORMED, generate_files, sample_files
from workflow_demo.stack import BUS_NAME, LocalStack, local_stack

__all__ = ["DemoReport", "main", "run_demo"]

S = FileStatus
GOOD_HISTORY = [
    (S.PENDING, S.PROCESSING),
    (S.PROCESSING, S.COMPLETED),
    (S.COMPLETED, S.PROCESSING),
    (S.PROCESSING, S.COMPLETED),
]
BAD_HISTORY = [(S.PENDING, S.PROCESSING), (S.PROCESSING, S.FAILED)]


@dataclass
class FileOutcome:
    """What happened to one file."""

    file: FileRead
    expected_good: bool
    final: FileRead | None = None
    history: list[StatusHistoryRead] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


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

    @property
    def ok(self) -> bool:
        """True when every expectation held."""
        return not self.problems


def _check(outcomes: list[FileOutcome], events: list[dict[str, Any]]) -> list[str]:
    problems = []
    ids = [e["detail"]["id"] for e in events]
    if len(ids) != len(set(ids)):
        problems.append("an event id arrived twice")
    for o in outcomes:
        name = o.file.name
        chain = [(h.from_status, h.to_status) for h in o.history]
        types = sorted(e["detail-type"] for e in o.events)
        versions = [h.version for h in o.history]
        if versions != list(range(2, len(versions) + 2)):
            problems.append(f"{name}: history versions {versions} are not contiguous")
        if o.expected_good:
            if o.final is None or o.final.status is not S.COMPLETED:
                problems.append(f"{name}: expected COMPLETED, got {o.final and o.final.status}")
            if chain != GOOD_HISTORY:
                problems.append(f"{name}: unexpected history {chain}")
            if types != ["evaluation_completed", "file_ingested_successfully"]:
                problems.append(f"{name}: unexpected events {types}")
        else:
            if o.final is None or o.final.status is not S.FAILED:
                problems.append(f"{name}: expected FAILED, got {o.final and o.final.status}")
            if chain != BAD_HISTORY:
                problems.append(f"{name}: unexpected history {chain}")
            if types != ["file_ingestion_failed"]:
                problems.append(f"{name}: unexpected events {types}")
    return problems


async def _collect_events(
    stack: LocalStack, sink: list[dict[str, Any]], stop: asyncio.Event
) -> None:
    import json

    while not stop.is_set():
        response = await stack.sqs.receive_message(
            QueueUrl=stack.audit_route.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in response.get("Messages", []):
            sink.append(json.loads(message["Body"]))
            await stack.sqs.delete_message(
                QueueUrl=stack.audit_route.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


async def run_demo(
    *,
    files: int = 24,
    database_url: str | None = None,
    keep_running: bool = False,
    console: Console | None = None,
    deadline_seconds: float | None = None,
) -> DemoReport:
    """Runs the whole demo and returns its report (see the module docstring)."""
    console = console or Console()
    async with local_stack(database_url, ui=keep_running) as stack:
        paths = sample_files() + generate_files(stack.workdir / "generated", files)
        engine = create_engine(stack.database_url)
        repo = SqlFileStatusRepository(engine)
        registered = [
            await repo.register_file(FileCreate(name=p.name, uri=str(p.resolve()))) for p in paths
        ]
        common: dict[str, Any] = {
            "temporal_address": stack.temporal_address,
            "aws_endpoint_url": stack.moto.endpoint_url,
            "aws_region": stack.moto.region,
            "event_bus_name": BUS_NAME,
            "database_url": stack.database_url,
            "graceful_shutdown_seconds": 10.0,
        }
        stop = asyncio.Event()
        ingestion_cfg = ingestion_settings.Settings(task_queue="demo-ingestion", **common)
        evaluation_cfg = evaluation_settings.Settings(
            task_queue="demo-evaluation",
            queue_url=stack.evaluation_route.queue_url,
            **common,
        )
        workers = [
            asyncio.create_task(ingestion.serve(ingestion_cfg, stop)),
            asyncio.create_task(evaluation.serve(evaluation_cfg, stop)),
        ]
        events: list[dict[str, Any]] = []
        collecting_stop = asyncio.Event()
        collector = asyncio.create_task(_collect_events(stack, events, collecting_stop))
        client = stack.temporal.client
        good = [f for f in registered if f.name not in MALFORMED]
        expected_events = 2 * len(good) + (len(registered) - len(good))
        started = time.perf_counter()
        deadline = started + (deadline_seconds or 60 + 2 * len(registered))
        try:
            with Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                ingest_task = progress.add_task("ingested", total=len(registered))
                eval_task = progress.add_task("evaluated", total=len(good))
                runs = [
                    asyncio.create_task(ingestion.start_ingestion(client, ingestion_cfg, f.id))
                    for f in registered
                ]
                while time.perf_counter() < deadline:
                    done_ingest = sum(r.done() for r in runs)
                    evaluated = sum(1 for e in events if e["source"] == "evaluation")
                    progress.update(ingest_task, completed=done_ingest)
                    progress.update(eval_task, completed=evaluated)
                    if done_ingest == len(runs) and len(events) >= expected_events:
                        break
                    if any(r.done() and r.exception() for r in runs):
                        break
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.5)  # let any unexpected extra event arrive too
            seconds = time.perf_counter() - started
            for r in runs:
                if not r.done():
                    r.cancel()
            errors = [
                r.exception() for r in runs if r.done() and not r.cancelled() and r.exception()
            ]
            outcomes = []
            by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for e in events:
                by_file[str(e["detail"]["data"].get("file_id"))].append(e)
            for f in registered:
                outcomes.append(
                    FileOutcome(
                        file=f,
                        expected_good=f.name not in MALFORMED,
                        final=await repo.get_file(f.id),
                        history=await repo.get_history(f.id),
                        events=by_file.get(str(f.id), []),
                    )
                )
            problems = _check(outcomes, events)
            route = stack.evaluation_route
            queue_left, dead_letters = await route.depth(), await route.dead_letter_depth()
            if queue_left:
                problems.append(f"{queue_left} message(s) left in the evaluation queue")
            if dead_letters:
                problems.append(f"{dead_letters} message(s) in the dead-letter queue")
            problems += [f"ingestion workflow error: {type(e).__name__}: {e}" for e in errors]
            if time.perf_counter() >= deadline:
                problems.append("timed out before every expected event arrived")
            report = DemoReport(
                outcomes,
                list(events),
                seconds,
                problems,
                queue_left=queue_left,
                dead_letters=dead_letters,
                max_receive_count=route.max_receive_count,
            )
            print_report(report, console)
            if keep_running:
                console.print(
                    f"\n[bold]Stack still running.[/] Temporal UI: {stack.ui_url}  "
                    f"Temporal: {stack.temporal_address}  EventBridge/SQS: {stack.moto.endpoint_url}"
                    f"\nEvaluation queue: {route.queue_url}"
                    f"\nIts dead-letter queue: {route.dlq_url}"
                    "\nPress Ctrl-C to stop."
                )
                with contextlib.suppress(asyncio.CancelledError):
                    await _wait_for_signal()
            return report
        finally:
            stop.set()
            collecting_stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await collector
            await engine.dispose()


async def _wait_for_signal() -> None:
    import signal

    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, event.set)
    await event.wait()


def _chain(history: list[StatusHistoryRead]) -> str:
    if not history:
        return "-"
    return " > ".join([history[0].from_status.value[:4], *(h.to_status.value[:4] for h in history)])


def print_report(report: DemoReport, console: Console) -> None:
    """Prints the per-file table, the events and the totals."""
    table = Table(title="Files", show_lines=False)
    for column in ("file", "final", "history", "events (type: id)"):
        table.add_column(column)
    for o in report.outcomes:
        status = o.final.status.value if o.final else "?"
        colour = "green" if status == "COMPLETED" else "red"
        events = "\n".join(f"{e['detail-type']}: {e['detail']['id'][:8]}" for e in o.events)
        table.add_row(o.file.name, f"[{colour}]{status}[/]", _chain(o.history), events)
    console.print(table)
    counts: dict[str, int] = defaultdict(int)
    for e in report.events:
        counts[e["detail-type"]] += 1
    files = len(report.outcomes)
    console.print(
        f"{files} files in {report.seconds:.1f}s ({files / report.seconds:.1f} files/s); "
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
        for problem in report.problems:
            console.print(f"  - {problem}")


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit code 0 only when every expected outcome happened."""
    parser = argparse.ArgumentParser(prog="workflow-demo", description=__doc__)
    parser.add_argument("--files", type=int, default=24, help="generated files besides the samples")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: embedded SQLite)"
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the stack up, print the UI address"
    )
    args = parser.parse_args(argv)
    if args.files < 0:
        parser.error("--files must be >= 0")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The malformed sample fails on purpose; the report shows it, without a traceback.
    logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    report = asyncio.run(
        run_demo(files=args.files, database_url=args.database_url, keep_running=args.keep_running)
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
