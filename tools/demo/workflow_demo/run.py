"""The demo: registers files, ingests them, lets the events trigger evaluations, reports.

    python -m workflow_demo [--files N] [--mode regular|local] [--concurrency N]
                            [--database-url URL] [--keep-running] [--full-table]
                            [--report-json PATH] [--split]

Exit code 0 only if every expected outcome happened: good files COMPLETED and evaluated, the
malformed one FAILED with its failure event, no duplicate status change or event, and nothing
left in the evaluation queue or its dead-letter queue.

At most ``--concurrency`` files are in flight at once (a file leaves when its last event
arrives): the queues and the workers stay short, so a file's latency is its own work, not the
backlog's. Up to `TABLE_MAX_FILES` files the report lists every file; above, it shows the
aggregates and only the files that did not end as expected (``--full-table`` lists them all).

``--split`` runs the apps in namespaces of their own, calling the shared operations of a
platform worker in a third one through a Nexus endpoint (`workflow_demo.split`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import evaluation_worker.settings as evaluation_settings
import ingestion_worker.settings as ingestion_settings
import ingestion_worker.worker as ingestion
from evaluation_worker.consumer import MAX_POLL_BACKOFF_SECONDS
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import Client
from workflow_contracts import ActivityMode
from workflow_devstack import free_port
from workflow_file_status import FileCreate, FileRead, FileStore, create_engine, repository_for

from workflow_demo.flow import Flow, collect_events, leave_if_failed
from workflow_demo.metrics_summary import metrics_summary
from workflow_demo.notifications import notify_failures
from workflow_demo.report import (
    TABLE_MAX_FILES,
    DemoReport,
    FileOutcome,
    check,
    duplicates,
    print_report,
    report_document,
)
from workflow_demo.samples import MALFORMED, generate_files, sample_files
from workflow_demo.split import (
    EVALUATION_NAMESPACE,
    INGESTION_NAMESPACE,
    SPLIT_NAMESPACES,
    Namespaces,
    app_settings,
    platform_worker,
)
from workflow_demo.stack import BUS_NAME, LocalStack, local_stack
from workflow_demo.workers import (
    RunningWorkers,
    WorkerPlacement,
    make_versions_current,
    running_workers,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "TABLE_MAX_FILES",
    "DemoReport",
    "FileOutcome",
    "main",
    "print_report",
    "report_document",
    "run_demo",
]

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 32
"""Files in flight at once (ingestion started, last event not yet arrived)."""

_READ_CONCURRENCY = 16


async def run_demo(
    *,
    files: int = 24,
    database_url: str | None = None,
    keep_running: bool = False,
    console: Console | None = None,
    deadline_seconds: float | None = None,
    mode: ActivityMode | str = ActivityMode.REGULAR,
    concurrency: int = DEFAULT_CONCURRENCY,
    workers: WorkerPlacement | str = WorkerPlacement.PROCESS,
    full_table: bool | None = None,
    split: bool = False,
) -> DemoReport:
    """Runs the whole demo and returns its report (see the module docstring)."""
    console = console or Console()
    mode = ActivityMode(mode)
    spaces = SPLIT_NAMESPACES if split else ()
    async with (
        local_stack(database_url, ui=keep_running, namespaces=spaces) as stack,
        platform_worker(stack, BUS_NAME, split) as clients,
    ):
        paths = sample_files() + generate_files(stack.workdir / "generated", files)
        engine = create_engine(stack.database_url)
        repo = repository_for(engine)
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
            "activity_mode": mode,
        }
        ingestion_cfg = ingestion_settings.Settings(
            task_queue="demo-ingestion",
            metrics_port=free_port(),
            **common,
            **app_settings(split, INGESTION_NAMESPACE),
        )
        # A failed file's notification reaches a queue subscribed to the topic; printed live.
        ingestion_cfg = await notify_failures(stack, ingestion_cfg, console)
        evaluation_cfg = evaluation_settings.Settings(
            task_queue="demo-evaluation",
            metrics_port=free_port(),
            queue_url=stack.evaluation_route.queue_url,
            **common,
            **app_settings(split, EVALUATION_NAMESPACE),
        )
        events: list[dict[str, Any]] = []
        flow = Flow(concurrency)
        collecting_stop = asyncio.Event()
        collector = asyncio.create_task(collect_events(stack, events, flow, collecting_stop))
        try:
            async with running_workers(
                WorkerPlacement(workers), ingestion_cfg, evaluation_cfg, stack.workdir / "logs"
            ) as running:
                # Versioned workers get tasks once their version is current: once both poll
                # (a worker that stops at start is reported there), made current.
                apps = [(clients.ingestion, ingestion_cfg), (clients.evaluation, evaluation_cfg)]
                await running.wait_ready(clients.ingestion, [(c, s.task_queue) for c, s in apps])
                await make_versions_current(apps)
                report = await _drive(
                    stack,
                    clients,
                    repo,
                    registered,
                    ingestion_cfg,
                    [
                        (clients.ingestion, ingestion_cfg.task_queue),
                        (clients.evaluation, evaluation_cfg.task_queue),
                    ],
                    events,
                    flow,
                    running,
                    console,
                    deadline_seconds or 60 + 2 * len(registered),
                )
                report.mode, report.concurrency = mode.value, concurrency
                if split:
                    report.mode += ", split across namespaces (Nexus)"
                if not report.ok:
                    report.worker_warnings = running.warnings()
                print_report(report, console, full_table=full_table)
                # Scraped while the workers still serve their Prometheus endpoints.
                for line in await asyncio.to_thread(
                    metrics_summary,
                    {
                        name: f"http://127.0.0.1:{cfg.metrics_port}/metrics"
                        for name, cfg in (
                            ("ingestion", ingestion_cfg),
                            ("evaluation", evaluation_cfg),
                        )
                    },
                ):
                    console.print(line, markup=False, highlight=False)
                if keep_running:
                    route = stack.evaluation_route
                    console.print(
                        f"\n[bold]Stack still running.[/] Temporal UI: {stack.ui_url}  "
                        f"Temporal: {stack.temporal_address}  "
                        f"EventBridge/SQS: {stack.moto.endpoint_url}"
                        f"\nEvaluation queue: {route.queue_url}"
                        f"\nIts dead-letter queue: {route.dlq_url}"
                        "\nPress Ctrl-C to stop."
                    )
                    with contextlib.suppress(asyncio.CancelledError):
                        await _wait_for_signal()
            if running.problems:  # found while the workers shut down, after the report
                report.problems += running.problems
                for problem in running.problems:
                    console.print(f"[bold red]{problem}[/]")
            return report
        finally:
            collecting_stop.set()
            await collector
            await engine.dispose()


async def _drive(
    stack: LocalStack,
    clients: Namespaces,
    repo: FileStore,
    registered: list[FileRead],
    ingestion_cfg: ingestion_settings.Settings,
    task_queues: list[tuple[Client, str]],
    events: list[dict[str, Any]],
    flow: Flow,
    running: RunningWorkers,
    console: Console,
    deadline_seconds: float,
) -> DemoReport:
    """Starts every ingestion (at most ``flow``'s window in flight), waits, checks."""
    client = clients.ingestion
    # The clock starts once both workers poll (a worker process takes seconds to start).
    await running.wait_ready(client, task_queues)
    good = [f for f in registered if f.name not in MALFORMED]
    expected_events = 2 * len(good) + (len(registered) - len(good))
    runs: list[asyncio.Task[Any]] = []

    async def feed() -> None:
        for f in registered:
            await flow.window.acquire()
            flow.start(f.id)
            run = asyncio.create_task(ingestion.start_ingestion(client, ingestion_cfg, f.id))
            run.add_done_callback(functools.partial(leave_if_failed, flow, str(f.id)))
            runs.append(run)

    started = time.perf_counter()
    deadline = started + deadline_seconds
    feeder = asyncio.create_task(feed())
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
            while time.perf_counter() < deadline and not running.stopped():
                done_ingest = sum(r.done() for r in runs)
                progress.update(ingest_task, completed=done_ingest)
                progress.update(eval_task, completed=flow.evaluated)
                if (
                    done_ingest == len(registered)
                    and len(flow.finished) == len(registered)
                    and len(events) >= expected_events
                ):
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.5)  # let any unexpected extra event arrive too
    finally:
        feeder.cancel()
        for r in runs:
            if not r.done():
                r.cancel()
    # Until the last file's last event (the wait above and the polling not counted).
    all_done = len(flow.finished) == len(registered)
    seconds = (max(flow.finished.values()) if all_done else time.perf_counter()) - started
    errors = [r.exception() for r in runs if r.done() and not r.cancelled() and r.exception()]
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_file[str(e["detail"]["data"].get("file_id"))].append(e)
    reads = asyncio.Semaphore(_READ_CONCURRENCY)

    async def outcome(f: FileRead) -> FileOutcome:
        async with reads:
            return FileOutcome(
                file=f,
                expected_good=f.name not in MALFORMED,
                final=await repo.get_file(f.id),
                history=await repo.get_history(f.id),
                events=by_file.get(str(f.id), []),
                latency=flow.latency(f.id),
            )

    outcomes = list(await asyncio.gather(*map(outcome, registered)))
    problems = check(outcomes, events)
    route = stack.evaluation_route
    # A message still in flight (SQS delivers at least once) is left only if it is still there
    # a visibility timeout later, once redelivered to the consumer (polling again after its
    # longest back-off) and deleted or not; with a worker stopped nothing would consume it.
    queue_left = await (
        route.depth()
        if running.stopped()
        else route.settled_depth(margin=MAX_POLL_BACKOFF_SECONDS + 5)
    )
    dead_letters = await route.dead_letter_depth()
    if queue_left:
        problems.append(f"{queue_left} message(s) left in the evaluation queue")
    if dead_letters:
        problems.append(f"{dead_letters} message(s) in the dead-letter queue")
    problems += [f"ingestion workflow error: {type(e).__name__}: {e}" for e in errors]
    problems += [f"worker {name} stopped during the run" for name in running.stopped()]
    if not all_done or len(events) < expected_events:
        problems.append("timed out before every expected event arrived")
    return DemoReport(
        outcomes,
        list(events),
        seconds,
        problems,
        evaluations_started=flow.evaluated,
        duplicate_deliveries=duplicates(events),
        queue_left=queue_left,
        dead_letters=dead_letters,
        max_receive_count=route.max_receive_count,
    )


async def _wait_for_signal() -> None:
    import signal

    event = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, event.set)
    await event.wait()


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be >= 1")
    return value


def main(argv: list[str] | None = None) -> int:
    """Entry point; exit code 0 only when every expected outcome happened."""
    parser = argparse.ArgumentParser(prog="workflow-demo", description=__doc__)
    parser.add_argument("--files", type=int, default=24, help="generated files besides the samples")
    parser.add_argument(
        "--mode",
        choices=[m.value for m in ActivityMode],
        default=ActivityMode.REGULAR.value,
        help="run the stages' activities as regular or local activities (default: regular)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=DEFAULT_CONCURRENCY,
        help=f"files in flight at once (default: {DEFAULT_CONCURRENCY})",
    )
    parser.add_argument(
        "--workers",
        choices=[w.value for w in WorkerPlacement],
        default=WorkerPlacement.PROCESS.value,
        help="run each app's worker in its own process (its real command line; the default)"
        " or both inside the demo's process",
    )
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: embedded SQLite)"
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the stack up, print the UI address"
    )
    parser.add_argument(
        "--full-table",
        action="store_true",
        help=f"list every file, even above {TABLE_MAX_FILES} (default: only the unexpected ones)",
    )
    parser.add_argument(
        "--report-json", type=Path, default=None, help="also write the aggregates to this file"
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="run the apps in namespaces of their own, calling the shared operations of a"
        " platform worker in a third namespace through a Nexus endpoint",
    )
    args = parser.parse_args(argv)
    if args.files < 0:
        parser.error("--files must be >= 0")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # The malformed sample fails on purpose; the report shows it, without a traceback.
    logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    report = asyncio.run(
        run_demo(
            files=args.files,
            database_url=args.database_url,
            keep_running=args.keep_running,
            mode=args.mode,
            concurrency=args.concurrency,
            workers=args.workers,
            full_table=True if args.full_table else None,
            split=args.split,
        )
    )
    if args.report_json is not None:
        args.report_json.write_text(json.dumps(report_document(report), indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
