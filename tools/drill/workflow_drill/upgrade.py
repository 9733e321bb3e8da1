"""The rolling-upgrade phase: the previous release's workers, then the current ones, one queue.

Workers of the previous release (its wheels, in its own venv) serve the task queues while
files arrive at a steady pace; the current code's workers join on the same queues while
workflows are in flight; then the old ones are retired (SIGTERM: they finish their tasks)
and the load runs on until everything completes. When the current apps have worker
versioning (a ``worker_versioning`` setting and a ``deployment`` command), their workers
run as a deployment version that gets no task until it is made current (`<app> deployment
set-current`, as an operator runs it) at the cutover, as the old ones retire holding runs
mid-flight; otherwise both unversioned fleets share the queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError

from workflow_drill.chaos import ChaosLog, terminate_backends
from workflow_drill.checker import Invariant, file_of
from workflow_drill.files import write_files
from workflow_drill.fleet import Fleet, set_current
from workflow_drill.histories import TaskCensus, census, read_tasks
from workflow_drill.release_env import ReleaseEnv, ensure_release_env
from workflow_drill.releases import (
    Release,
    current_version,
    read_releases,
    select_release,
)
from workflow_drill.run import (
    DrillOptions,
    PhaseResult,
    app_envs,
    files_done,
    phase_latencies,
    register,
    running,
    wait_for_pollers,
)
from workflow_drill.stack import DrillStack
from workflow_drill.versioning import current_envs

__all__ = ["UpgradeOptions", "UpgradeResult", "run_upgrade"]

_PREFIX = {"ingestion": "INGESTION_", "evaluation": "EVALUATION_"}
_SCRIPT = {"ingestion": "ingestion-worker", "evaluation": "evaluation-worker"}


@dataclass(frozen=True)
class UpgradeOptions:
    """The phase's own options (files, malformed, workers and deadline are the drill's).

    Attributes:
        from_release: The release to upgrade from (None: the previous one, see
            `select_release`).
        pace: Seconds between two files' starts (the load).
        worker_versioning: ``<PREFIX>WORKER_VERSIONING`` of the current workers when their app
            has versioning (None: the app's default).
    """

    from_release: str | None = None
    pace: float = 0.5
    worker_versioning: bool | None = None


@dataclass
class UpgradeResult:
    """What the phase did and what the histories say."""

    release: Release
    env: ReleaseEnv
    phase: PhaseResult
    good: list[str]
    malformed: list[str]
    versioned: bool
    tasks: TaskCensus
    timeline: ChaosLog
    old_exit_codes: list[int | None]
    invariants: list[Invariant] = field(default_factory=list)  # over the phase's files

    @property
    def ok(self) -> bool:
        """No task failure or NDE, tasks on both releases, the phase finished, invariants held."""
        return (
            self.phase.finished
            and self.tasks.failed == 0
            and self.tasks.non_determinism == 0
            and self.tasks.both > 0
            and all(not i.violations for i in self.invariants)
        )


def _old_fleet(stack: DrillStack, env: ReleaseEnv, workers: int, logdir: Path) -> Fleet:
    # Nothing of the drill's own environment may reach the old release's interpreter.
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    base["PATH"] = f"{env.venv / 'bin'}{os.pathsep}{base.get('PATH', '')}"
    commands = {app: [str(env.script(script)), "run"] for app, script in _SCRIPT.items()}
    return Fleet.build(
        workers, app_envs(stack), logdir, commands=commands, base=base, prefix="old-", cwd=env.root
    )


async def _wait_for_fleet(client: Client, fleet: Fleet, seconds: float = 90) -> None:
    """Until a process of ``fleet`` polls each app's workflow task queue."""
    pids, deadline = fleet.pids(), time.monotonic() + seconds
    for queue in ("ingestion", "evaluation"):
        while True:
            answer = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            polling = {p.identity.split("@", 1)[0] for p in answer.pollers}
            if polling & {str(pid) for pid in pids}:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the new workers do not poll {queue}: see their logs")
            await asyncio.sleep(0.5)


def _interleave(good: list[str], bad: list[str]) -> list[str]:
    """The malformed files spread evenly through the load, so failures run in every step."""
    order, step = list(good), max(1, len(good) // (len(bad) + 1))
    for n, file_id in enumerate(bad):
        order.insert(min(len(order), (n + 1) * step + n), file_id)
    return order


class _Load:
    """Starts one file's ingestion every ``pace`` seconds; others wait for a count.

    It holds before file ``hold_at`` until ``resume`` is set: starting the new workers takes
    seconds on a busy machine, and the files after that point are meant for both fleets.
    """

    def __init__(self, client: Client, order: list[str], pace: float, hold_at: int) -> None:
        self.client, self.order, self.pace, self.hold_at = client, order, pace, hold_at
        self.started: list[str] = []
        self.over = False
        self.resume = asyncio.Event()
        self._changed = asyncio.Condition()

    async def run(self) -> None:
        """Starts every file's ingestion."""
        try:
            for n, file_id in enumerate(self.order):
                if n == self.hold_at:
                    await self.resume.wait()
                await self.client.start_workflow(
                    "IngestFileWorkflow", file_id, id=f"ingest-{file_id}", task_queue="ingestion"
                )
                async with self._changed:
                    self.started.append(file_id)
                    self._changed.notify_all()
                await asyncio.sleep(self.pace)
        finally:
            async with self._changed:
                self.over = True
                self._changed.notify_all()

    async def until(self, count: int) -> None:
        """Until ``count`` files were started (or the load is over)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.over or len(self.started) >= count)


async def _old_holds_one(client: Client, old: set[int], new: set[int]) -> bool:
    """Whether a running workflow's last task was completed by an old worker (mid-flight)."""
    ids = [wf.id async for wf in client.list_workflows("ExecutionStatus='Running'")]
    return any(tasks.last == "old" for tasks in await read_tasks(client, ids, old, new))


async def _retire_when_held(client: Client, old: Fleet, new: Fleet, load: _Load) -> None:
    """Waits (while the load goes on) until an old worker holds a workflow mid-flight.

    Retiring then makes the new workers take over workflows the old ones started, which is
    the point of the phase; once the load is over and nothing runs, it goes ahead anyway.
    """
    while True:
        with contextlib.suppress(RPCError):  # a history read racing the workflow's close
            if await _old_holds_one(client, old.pids(), new.pids()):
                return
            if load.over and (await client.count_workflows("ExecutionStatus='Running'")).count == 0:
                return
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def _database_outage(stack: DrillStack, log: ChaosLog) -> AsyncIterator[None]:
    """Refuses connections to the drill's database (cutting the open ones) while inside."""
    admin = await stack.admin()
    name = stack.database.name
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        cut = await terminate_backends(stack)
        log.note("database outage", f"{cut} connection(s) cut; runs wait on their retries")
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
        log.note("database back", "")


async def run_upgrade(
    stack: DrillStack, options: DrillOptions, upgrade: UpgradeOptions
) -> UpgradeResult:
    """Runs the phase; every worker process it started is stopped when it returns."""
    release = select_release(read_releases(), current_version(), upgrade.from_release)
    env = await asyncio.to_thread(ensure_release_env, release)
    how = "reused, built" if env.reused else "built"
    print(f"release {release.key} environment: {how} in {env.build_seconds:.1f}s", flush=True)
    envs, versioned = current_envs(stack, upgrade.worker_versioning)
    logs, log = options.workdir / "logs" / "upgrade", ChaosLog()
    old = _old_fleet(stack, env, options.workers, logs)
    new = Fleet.build(options.workers, envs, logs)
    good_paths, bad_paths = write_files(
        stack.workdir / "files" / "upgrade",
        options.files - options.malformed,
        options.malformed,
        options.seed + 7,
    )
    good, bad = await register(stack, good_paths), await register(stack, bad_paths)
    client = await stack.client()
    old.start()
    try:
        await wait_for_pollers(client, ["ingestion", "evaluation"])
        started_wall, started = datetime.now(UTC), time.monotonic()
        log.started = started
        log.note("old workers serve", f"{release.version} ({len(old.workers)} processes)")
        total = len(good) + len(bad)
        load = _Load(client, _interleave(good, bad), upgrade.pace, hold_at=-(-total // 3))
        loading = asyncio.create_task(load.run())
        await load.until(load.hold_at)
        new.start()
        log.note("new workers start", f"{len(load.started)} file(s) started, load holds")
        await _wait_for_fleet(client, new)
        log.note("new workers poll", "both releases serve the queues; load resumes")
        load.resume.set()
        await load.until(-(-2 * total // 3))
        async with _database_outage(stack, log):
            # The runs in flight on the old workers now wait on their database retries (an
            # outage the operator fixes): they are still running once the old workers are
            # gone, and their next tasks run on the current code.
            await _retire_when_held(client, old, new, load)
            await load.until(len(load.started) + 6)  # a few more runs start, and wait, there
            switch = datetime.now(UTC)
            log.note("old workers retire", f"SIGTERM; {len(load.started)} file(s) started")
            if versioned:
                # The cutover: until now the new version got no task (it was not current).
                await asyncio.gather(set_current(envs, log.note), asyncio.to_thread(old.stop))
            else:
                await asyncio.to_thread(old.stop)
            codes = [w.process.returncode if w.process else None for w in old.workers]
            log.note("old workers gone", f"exit codes {codes}")
        await loading
        log.note("load done", f"{len(load.started)} file(s) started")
        finished = False
        while time.monotonic() - started < options.deadline:
            await asyncio.sleep(1)
            if await files_done(stack, good, bad) == total and await running(stack) == 0:
                finished = True
                break
        seconds = time.monotonic() - started
        log.note("all done" if finished else "DEADLINE", f"after {seconds:.1f}s")
    finally:
        old.stop()
        new.stop()
    latencies = await phase_latencies(stack, good + bad, started_wall)
    phase = PhaseResult(
        "upgrade", total, seconds, latencies[-1] if latencies else 0.0,
        latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else 0.0, finished,
    )  # fmt: skip
    ours = set(good + bad)
    ids = [wf.id async for wf in client.list_workflows() if file_of(wf.id) in ours]
    histories = await read_tasks(client, ids, old.pids(), new.pids())
    return UpgradeResult(
        release, env, phase, good, bad, versioned, census(histories, switch), log, codes
    )
