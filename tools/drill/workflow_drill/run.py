"""One drill: phases of ingestions (with or without chaos), then the history checker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from uuid import UUID

import asyncpg
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from workflow_devstack import FAKE_AWS_ENV
from workflow_file_status import FileCreate, create_engine, repository_for

from workflow_drill.chaos import ChaosLog, ChaosPlan, run_chaos, supervise
from workflow_drill.checker import (
    EventRecord,
    Evidence,
    HistoryRow,
    Invariant,
    WorkflowRow,
    canonical,
    check,
)
from workflow_drill.faults import FaultPlan
from workflow_drill.files import write_files
from workflow_drill.fleet import Fleet
from workflow_drill.stack import BUS_NAME, REGION, DrillStack, drill_stack

__all__ = ["DrillOptions", "DrillReport", "PhaseResult", "run_drill"]


@dataclass(frozen=True)
class DrillOptions:
    """What to run."""

    files: int = 60
    malformed: int = 3
    workers: int = 2  # per app
    baseline: bool = True
    chaos: ChaosPlan = field(default_factory=ChaosPlan)
    faults: FaultPlan = field(default_factory=FaultPlan)
    deadline: float = 600.0  # per phase, seconds
    workdir: Path = Path("/tmp/workflow-drill")
    seed: int = 5


@dataclass
class PhaseResult:
    """Throughput and latency of one phase."""

    name: str
    files: int
    seconds: float
    slowest: float
    p99: float
    finished: bool

    @property
    def throughput(self) -> float:
        """Files per second."""
        return self.files / self.seconds if self.seconds else 0.0


@dataclass
class DrillReport:
    """Everything the drill saw."""

    options: DrillOptions
    phases: list[PhaseResult]
    invariants: list[Invariant]
    chaos: ChaosLog
    faults: dict[str, int]

    @property
    def ok(self) -> bool:
        """No violated invariant and every phase finished before its deadline."""
        return all(not i.violations for i in self.invariants) and all(
            p.finished for p in self.phases
        )


def _app_env(stack: DrillStack, prefix: str, task_queue: str) -> dict[str, str]:
    env = {
        **FAKE_AWS_ENV,
        # botocore's per-service endpoints: events through the fault proxy, SQS direct.
        "AWS_ENDPOINT_URL_EVENTBRIDGE": stack.proxy.url,
        "AWS_ENDPOINT_URL_SQS": stack.moto_url,
        f"{prefix}TEMPORAL_ADDRESS": stack.temporal_address,
        f"{prefix}TASK_QUEUE": task_queue,
        f"{prefix}AWS_REGION": REGION,
        f"{prefix}EVENT_BUS_NAME": BUS_NAME,
        f"{prefix}DATABASE_URL": stack.database.sqlalchemy_url,
        f"{prefix}GRACEFUL_SHUTDOWN_SECONDS": "5",
        f"{prefix}LOG_LEVEL": "WARNING",
    }
    return env


def app_envs(stack: DrillStack) -> dict[str, dict[str, str]]:
    """The environment of each app's worker processes."""
    evaluation = _app_env(stack, "EVALUATION_", "evaluation")
    evaluation["EVALUATION_QUEUE_URL"] = stack.evaluation_route.queue_url
    return {"ingestion": _app_env(stack, "INGESTION_", "ingestion"), "evaluation": evaluation}


async def _register(stack: DrillStack, paths: list[Path]) -> list[str]:
    engine = create_engine(stack.database.sqlalchemy_url)
    try:
        repo = repository_for(engine)
        ids = []
        for path in paths:
            file = await repo.register_file(FileCreate(name=path.name, uri=str(path)))
            ids.append(str(file.id))
        return ids
    finally:
        await engine.dispose()


async def _files_done(stack: DrillStack, good: list[str], bad: list[str]) -> int | None:
    """How many of the phase's files reached their final state (None while unreachable)."""
    try:
        conn = await asyncpg.connect(stack.database.dsn, timeout=5)
        try:
            rows = await conn.fetch(
                "SELECT id::text, status, version FROM files WHERE id = ANY($1::uuid[])",
                [UUID(f) for f in good + bad],
            )
        finally:
            await conn.close()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        # The outage or the backend termination the drill itself caused: this observer's own
        # connection is one of the backends the chaos terminates.
        return None
    bad_set = set(bad)
    return sum(
        (status, version) == (("FAILED", 3) if file_id in bad_set else ("COMPLETED", 5))
        for file_id, status, version in rows
    )


async def _running(stack: DrillStack) -> int | None:
    """Workflows still running (None while the server is unreachable: a restart)."""
    try:
        client = await stack.client()
        return (await client.count_workflows("ExecutionStatus='Running'")).count
    except Exception:  # the Temporal restart the drill itself caused
        return None


async def _final_times(stack: DrillStack, ids: list[str]) -> list[datetime]:
    conn = await asyncpg.connect(stack.database.dsn, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT max(changed_at) FROM file_status_history WHERE file_id = ANY($1::uuid[])"
            " GROUP BY file_id",
            [UUID(f) for f in ids],
        )
    finally:
        await conn.close()
    return [row[0] for row in rows]


async def _wait_for_pollers(client: Client, queues: list[str], seconds: float = 60) -> None:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    deadline = time.monotonic() + seconds
    for queue in queues:
        while True:
            answer = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
                )
            )
            if answer.pollers:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"no worker polls {queue}: see the worker logs")
            await asyncio.sleep(0.5)


async def run_phase(
    stack: DrillStack,
    fleet: Fleet,
    name: str,
    options: DrillOptions,
    chaos: ChaosPlan | None,
    log: ChaosLog,
) -> PhaseResult:
    """Registers and ingests one batch of files, with or without chaos, until all are done."""
    good_paths, bad_paths = write_files(
        stack.workdir / "files" / name,
        options.files - options.malformed,
        options.malformed,
        options.seed + len(name),
    )
    good, bad = await _register(stack, good_paths), await _register(stack, bad_paths)
    stack.proxy.plan = options.faults if chaos is not None else FaultPlan()
    client = await stack.client()
    started_wall, started = datetime.now().astimezone(), time.monotonic()
    chaos_task = None
    if chaos is not None and chaos.active:
        log.started = started
        chaos_task = asyncio.create_task(run_chaos(chaos, stack, fleet, log))
    await asyncio.gather(
        *(
            client.start_workflow(
                "IngestFileWorkflow", file_id, id=f"ingest-{file_id}", task_queue="ingestion"
            )
            for file_id in good + bad
        )
    )
    finished = False
    while time.monotonic() - started < options.deadline:
        await asyncio.sleep(1)
        done = await _files_done(stack, good, bad)
        # Done when every file reached its end state and every workflow closed (a stage
        # still sends its event after its final status change).
        if done == len(good) + len(bad) and await _running(stack) == 0:
            finished = True
            break
    seconds = time.monotonic() - started
    if chaos_task is not None:
        await chaos_task  # bounded: the whole plan is applied before the checker runs
    stack.proxy.plan = FaultPlan()
    latencies = sorted(
        (t - started_wall).total_seconds() for t in await _final_times(stack, good + bad)
    )
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0
    return PhaseResult(
        name, len(good) + len(bad), seconds, latencies[-1] if latencies else 0.0, p99, finished
    )


async def _workflows(client: Client) -> list[WorkflowRow]:
    listed = [wf async for wf in client.list_workflows()]
    gate = asyncio.Semaphore(32)

    async def row(wf: WorkflowExecution) -> WorkflowRow:
        status = wf.status.name if wf.status else "UNKNOWN"
        event_id = failure = None
        handle = client.get_workflow_handle(wf.id, run_id=wf.run_id)
        async with gate:
            if wf.status == WorkflowExecutionStatus.COMPLETED:
                result = await handle.result()
                if isinstance(result, dict):
                    event_id = result.get("event_id")
            elif wf.status == WorkflowExecutionStatus.FAILED:
                with contextlib.suppress(Exception):
                    await handle.result()
                failure = "failed"
        return WorkflowRow(wf.id, wf.workflow_type, status, event_id, failure)

    return list(await asyncio.gather(*(row(wf) for wf in listed)))


async def _drain(stack: DrillStack) -> list[EventRecord]:
    events, empty = [], 0
    while empty < 3:
        # Received messages stay hidden for the rest of the drill: no delete call needed.
        answer = await stack.sqs.receive_message(
            QueueUrl=stack.audit_route.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=3600,
        )
        messages = answer.get("Messages", [])
        empty = 0 if messages else empty + 1
        for message in messages:
            event = json.loads(message["Body"])
            detail = event["detail"]
            events.append(
                EventRecord(
                    event_id=detail["id"],
                    source=event["source"],
                    detail_type=event["detail-type"],
                    file_id=str(detail.get("data", {}).get("file_id")),
                    detail=canonical(detail),
                )
            )
    return events


async def collect(stack: DrillStack, good: set[str], malformed: set[str]) -> Evidence:
    """Reads the database, the workflow list and the drained queues."""
    conn = await asyncpg.connect(stack.database.dsn, timeout=10)
    try:
        files = {
            str(r[0]): (r[1], r[2])
            for r in await conn.fetch("SELECT id, status, version FROM files")
        }
        history = [
            HistoryRow(str(r[0]), r[1], r[2], r[3], str(r[4]) if r[4] else None)
            for r in await conn.fetch(
                "SELECT file_id, version, from_status, to_status, execution_id"
                " FROM file_status_history"
            )
        ]
    finally:
        await conn.close()
    client = await stack.client()
    return Evidence(
        good=good,
        malformed=malformed,
        files=files,
        history=history,
        workflows=await _workflows(client),
        events=await _drain(stack),
        dead_letters=await stack.evaluation_route.dead_letter_depth(),
    )


async def run_drill(options: DrillOptions) -> DrillReport:
    """Runs the drill end to end and checks the history."""
    log = ChaosLog()
    async with drill_stack(options.workdir, FaultPlan()) as stack:
        fleet = Fleet.build(options.workers, app_envs(stack), options.workdir / "logs")
        fleet.start()
        phases: list[PhaseResult] = []
        stop_supervisor = asyncio.Event()
        supervisor = asyncio.create_task(supervise(fleet, log, stop_supervisor))
        try:
            await _wait_for_pollers(await stack.client(), ["ingestion", "evaluation"])
            await asyncio.to_thread(fleet.set_current)
            if options.baseline:
                phases.append(await run_phase(stack, fleet, "baseline", options, None, log))
            phases.append(await run_phase(stack, fleet, "chaos", options, options.chaos, log))
        finally:
            stop_supervisor.set()
            await supervisor
            fleet.stop()
        conn = await asyncpg.connect(stack.database.dsn, timeout=10)
        try:
            rows = await conn.fetch("SELECT id::text, name FROM files")
        finally:
            await conn.close()
        good = {r[0] for r in rows if not r[1].startswith("broken-")}
        malformed = {r[0] for r in rows if r[1].startswith("broken-")}
        evidence = await collect(stack, good, malformed)
        return DrillReport(options, phases, check(evidence), log, dict(stack.proxy.injected))
