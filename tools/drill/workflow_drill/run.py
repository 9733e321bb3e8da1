"""One drill: phases of ingestions (with or without chaos), then the history checker."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg
from temporalio.client import Client
from workflow_devstack import FAKE_AWS_ENV
from workflow_file_status import FileCreate, create_engine, repository_for

from workflow_drill.chaos import ChaosLog, ChaosPlan, run_chaos, supervise
from workflow_drill.checker import Invariant, check, restrict
from workflow_drill.evidence import collect
from workflow_drill.faults import FaultPlan
from workflow_drill.files import write_files
from workflow_drill.fleet import Fleet, set_current
from workflow_drill.stack import BUS_NAME, REGION, DrillStack, drill_stack

if TYPE_CHECKING:
    from workflow_drill.upgrade import UpgradeOptions, UpgradeResult

__all__ = [
    "DrillOptions",
    "DrillReport",
    "PhaseResult",
    "app_envs",
    "files_done",
    "phase_latencies",
    "register",
    "run_drill",
    "running",
    "wait_for_pollers",
]


@dataclass(frozen=True)
class DrillOptions:
    """What to run."""

    files: int = 60
    malformed: int = 3
    workers: int = 2  # per app
    baseline: bool = True
    chaos_phase: bool = True  # the phase with (or, without --chaos, like) chaos
    upgrade: UpgradeOptions | None = None  # None: no rolling-upgrade phase
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
    upgrade: UpgradeResult | None = None

    @property
    def ok(self) -> bool:
        """No violated invariant, every phase finished before its deadline, the upgrade held."""
        return (
            all(not i.violations for i in self.invariants)
            and all(p.finished for p in self.phases)
            and (self.upgrade is None or self.upgrade.ok)
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


async def register(stack: DrillStack, paths: list[Path]) -> list[str]:
    """Registers the files in the drill's database; returns their ids."""
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


async def files_done(stack: DrillStack, good: list[str], bad: list[str]) -> int | None:
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


async def running(stack: DrillStack) -> int | None:
    """Workflows still running (None while the server is unreachable: a restart)."""
    try:
        client = await stack.client()
        return (await client.count_workflows("ExecutionStatus='Running'")).count
    except Exception:  # the Temporal restart the drill itself caused
        return None


async def phase_latencies(stack: DrillStack, ids: list[str], since: datetime) -> list[float]:
    """Seconds from ``since`` to each file's last status change, sorted."""
    return sorted((t - since).total_seconds() for t in await _final_times(stack, ids))


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


async def wait_for_pollers(client: Client, queues: list[str], seconds: float = 60) -> None:
    """Until some worker polls each queue's activity tasks."""
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
    good, bad = await register(stack, good_paths), await register(stack, bad_paths)
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
        done = await files_done(stack, good, bad)
        # Done when every file reached its end state and every workflow closed (a stage
        # still sends its event after its final status change).
        if done == len(good) + len(bad) and await running(stack) == 0:
            finished = True
            break
    seconds = time.monotonic() - started
    if chaos_task is not None:
        await chaos_task  # bounded: the whole plan is applied before the checker runs
    stack.proxy.plan = FaultPlan()
    latencies = await phase_latencies(stack, good + bad, started_wall)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0
    return PhaseResult(
        name, len(good) + len(bad), seconds, latencies[-1] if latencies else 0.0, p99, finished
    )


async def run_drill(options: DrillOptions) -> DrillReport:
    """Runs the drill end to end and checks the history."""
    log = ChaosLog()
    async with drill_stack(options.workdir, FaultPlan()) as stack:
        phases: list[PhaseResult] = []
        if options.baseline or options.chaos_phase:
            phases += await _fleet_phases(stack, options, log)
        upgrade = None
        if options.upgrade is not None:
            # Imported here: the phase builds on this module's helpers.
            from workflow_drill.upgrade import run_upgrade

            upgrade = await run_upgrade(stack, options, options.upgrade)
            phases.append(upgrade.phase)
        conn = await asyncpg.connect(stack.database.dsn, timeout=10)
        try:
            rows = await conn.fetch("SELECT id::text, name FROM files")
        finally:
            await conn.close()
        good = {r[0] for r in rows if not r[1].startswith("broken-")}
        malformed = {r[0] for r in rows if r[1].startswith("broken-")}
        evidence = await collect(stack, good, malformed)
        if upgrade is not None:
            upgrade.invariants = check(restrict(evidence, set(upgrade.good + upgrade.malformed)))
        report = DrillReport(options, phases, check(evidence), log, dict(stack.proxy.injected))
        report.upgrade = upgrade
        return report


async def _fleet_phases(
    stack: DrillStack, options: DrillOptions, log: ChaosLog
) -> list[PhaseResult]:
    """The baseline and chaos phases, on one fleet of the current code's workers."""
    fleet = Fleet.build(options.workers, app_envs(stack), options.workdir / "logs")
    fleet.start()
    phases: list[PhaseResult] = []
    stop_supervisor = asyncio.Event()
    supervisor = asyncio.create_task(supervise(fleet, log, stop_supervisor))
    try:
        await wait_for_pollers(await stack.client(), ["ingestion", "evaluation"])
        await set_current(app_envs(stack))
        if options.baseline:
            phases.append(await run_phase(stack, fleet, "baseline", options, None, log))
        if options.chaos_phase:
            phases.append(await run_phase(stack, fleet, "chaos", options, options.chaos, log))
    finally:
        stop_supervisor.set()
        await supervisor
        fleet.stop()
    return phases
