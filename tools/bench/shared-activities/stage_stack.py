"""What the stage benchmarks run on: the stack, the stage worker, and the stage driver.

Everything is real and started here: a Temporal dev server (``start_dev_server``), moto's
server (in its own process, so the emulator's CPU is not charged to the worker under test),
and a throw-away PostgreSQL database with one registered file per stage of a run (a file
COMPLETED by one run is taken back to PROCESSING by the next, a legal transition, each stage a
new execution). The stages are started and awaited by ``drive_stages.py`` in a process of its
own, as a deployment's starters are: in the worker's process the client's CPU would be
charged to the worker under test.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aioboto3
from stage_workflows import (
    BenchStageWorkflow,
    bench_work,
    noop_send_event,
    noop_update_file_status,
)
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from workflow_contracts import ActivityMode
from workflow_devstack import MotoProcess, create_database, drop_database, start_dev_server
from workflow_events import EventSettings
from workflow_file_status import FileCreate, FileStatusSettings, create_engine, repository_for
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import (
    SharedActivitiesConfig,
    SharedActivitiesPlugin,
    WorkerResources,
)
from workflow_shared_activities._plugin import share_contracts_with_sandbox

__all__ = [
    "LIBRARY",
    "Sample",
    "StageStack",
    "bench_process",
    "run_stages",
    "stage_stack",
    "stage_worker",
]

HERE = Path(__file__).parent
LIBRARY = HERE.parents[2] / "libs" / "shared-activities"
"""The library measured: its ``BENCHMARKS*.md`` are written there."""
BUS = "bench-stages"
TASK_QUEUE = "bench-stages"


@dataclass
class Sample:
    """One measurement: stages per second and each stage's latency (seconds)."""

    rate: float
    latencies: list[float] = field(default_factory=list)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class StageStack:
    """The running stack: a client of the dev server, the registered files, the config."""

    client: Client
    files: list[uuid.UUID]
    config: SharedActivitiesConfig


async def bench_process(script: str) -> asyncio.subprocess.Process:
    """One of this folder's scripts in a process of its own, spoken to over stdin/stdout."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        str(HERE / script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=HERE,
    )


@asynccontextmanager
async def stage_stack(files: int, prefix: str) -> AsyncIterator[StageStack]:
    """Starts PostgreSQL (a database named after ``prefix``), moto and a dev server."""
    database = await create_database(prefix=prefix)
    try:
        await asyncio.to_thread(upgrade, database.sqlalchemy_url)
        engine = create_engine(database.sqlalchemy_url, pool_size=4)
        repo = repository_for(engine)
        registered = [
            (await repo.register_file(FileCreate(name=f"f{i}", uri=f"/bench/f{i}"))).id
            for i in range(files)
        ]
        await engine.dispose()
        with MotoProcess() as moto:
            async with aioboto3.Session().client(
                "events", region_name="us-east-1", endpoint_url=moto.endpoint_url
            ) as events:
                await events.create_event_bus(Name=BUS)
            config = SharedActivitiesConfig(
                events=EventSettings(bus_name=BUS),
                file_status=FileStatusSettings(database_url=database.sqlalchemy_url),
                aws_region="us-east-1",
                aws_endpoint_url=moto.endpoint_url,
            )
            env = await start_dev_server()
            try:
                yield StageStack(env.client, registered, config)
            finally:
                await env.shutdown()
    finally:
        await drop_database(database)


@asynccontextmanager
async def stage_worker(
    client: Client,
    runner: str,
    kind: str,
    config: SharedActivitiesConfig,
    task_queue: str = TASK_QUEUE,
) -> AsyncIterator[None]:
    """The stage worker, built like the apps' (`WorkerApp.build_worker`), running."""
    options: dict[str, Any] = {
        "task_queue": task_queue,
        "workflows": [BenchStageWorkflow],
        "graceful_shutdown_timeout": timedelta(seconds=5),
        "sticky_queue_schedule_to_start_timeout": timedelta(seconds=3),
    }
    if runner == "unsandboxed":
        # No sandbox at all: what the sandbox's per-run work costs (not a recommendation).
        options["workflow_runner"] = UnsandboxedWorkflowRunner()
    if kind == "real" and runner in ("shared", "unsandboxed"):
        # As users run it: the plugin opens the resources and shares the contracts.
        plugin = SharedActivitiesPlugin(config)
        async with Worker(client, activities=[bench_work], plugins=[plugin], **options):
            yield
        return
    if kind == "real":
        # The same activities and resources, without the plugin's sandbox pass-through.
        resources = WorkerResources(config)
        activities = SharedActivitiesPlugin(config).build_activities(resources)
        async with (
            resources.open(namespace=client.namespace),
            Worker(client, activities=[bench_work, *activities], **options),
        ):
            yield
        return
    if runner == "shared":
        options["workflow_runner"] = share_contracts_with_sandbox(None)
    noop: list[Callable[..., Any]] = [bench_work, noop_update_file_status, noop_send_event]
    async with Worker(client, activities=noop, **options):
        yield


async def run_stages(
    client: Client,
    files: Sequence[uuid.UUID],
    mode: ActivityMode,
    n: int,
    concurrency: int,
    tag: str,
    task_queue: str = TASK_QUEUE,
) -> Sample:
    """``n`` stages (file ``i`` for stage ``i``), ``concurrency`` in flight, driven by
    ``drive_stages.py`` in its own process (starters do not share the worker's process)."""
    request = {
        "target": client.service_client.config.target_host,
        "task_queue": task_queue,
        "files": [str(f) for f in files],
        "mode": mode.value,
        "n": n,
        "concurrency": concurrency,
        "tag": tag,
    }
    proc = await bench_process("drive_stages.py")
    out, _ = await proc.communicate(json.dumps(request).encode())
    if proc.returncode != 0:
        raise RuntimeError(f"the stage driver failed (exit {proc.returncode})")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return Sample(result["rate"], result["latencies"])
