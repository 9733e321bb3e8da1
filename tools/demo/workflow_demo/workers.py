"""The demo's two workers: each app in its own process (its real command line), or both inline.

In its own process (``python -m ingestion_worker run``, configured by its ``INGESTION_*``
variables, as deployed) each worker has a core and a GIL of its own. Inline, both run in the
demo's process, whose one GIL then carries both apps' workflows and activities, the
evaluation consumer and the demo's own polling: on a 2-core machine that process, not
Temporal, sets the pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import evaluation_worker.worker as evaluation
import ingestion_worker.worker as ingestion
from evaluation_worker.settings import Settings as EvaluationSettings
from ingestion_worker.settings import Settings as IngestionSettings
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from workflow_shared_activities.app import AppSettings, set_current_version, wait_until_polled

__all__ = [
    "RunningWorkers",
    "WorkerPlacement",
    "app_environment",
    "make_versions_current",
    "running_workers",
]


class WorkerPlacement(StrEnum):
    """Where the demo runs the apps' workers."""

    PROCESS = "process"
    INLINE = "inline"


_MODULES = {"INGESTION_": "ingestion_worker", "EVALUATION_": "evaluation_worker"}
_FIELDS = (
    "temporal_address",
    "task_queue",
    "aws_endpoint_url",
    "aws_region",
    "event_bus_name",
    "database_url",
    "graceful_shutdown_seconds",
    "activity_mode",
    "queue_url",
    "metrics_port",
    "temporal_namespace",
    "shared_nexus_endpoint",
    "worker_versioning",
    "deployment_name",
    "build_id",
)


def app_environment(settings: AppSettings) -> dict[str, str]:
    """The app's variables (``INGESTION_*`` / ``EVALUATION_*``) for these settings."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    values: dict[str, Any] = settings.model_dump()
    env = {
        f"{prefix}{name.upper()}": str(getattr(values[name], "value", values[name]))
        for name in _FIELDS
        if values.get(name) is not None
    }
    env[f"{prefix}LOG_LEVEL"] = "WARNING"
    return env


async def make_versions_current(apps: Sequence[tuple[Client, AppSettings]]) -> None:
    """Makes each versioned app's version current once its worker polls, as an operator does.

    A versioned worker gets no task until then (``<app> deployment set-current``). Each app
    is given with the client of its namespace.
    """
    for client, settings in apps:
        if settings.worker_versioning:
            await wait_until_polled(client, settings)
            await set_current_version(client, settings.deployment_name, settings.build_id)


@dataclass
class _Process:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-chars:]
        return ""


def _spawn(prefix: str, env: Mapping[str, str], logdir: Path) -> _Process:
    module = _MODULES[prefix]
    logdir.mkdir(parents=True, exist_ok=True)
    log = logdir / f"{module}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "run"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return _Process(module, process, log)


def _stop(proc: _Process, grace: float) -> None:
    """SIGTERM (the apps shut down gracefully), then SIGKILL after ``grace`` seconds."""
    if proc.process.poll() is None:
        proc.process.send_signal(signal.SIGTERM)
        try:
            proc.process.wait(grace)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait()


@dataclass
class RunningWorkers:
    """The running workers: which stopped on their own, and what went wrong at the end."""

    placement: WorkerPlacement
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    processes: list[_Process] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Filled when the block ends: each worker that failed or exited on its own."""

    async def wait_ready(
        self,
        client: Client,
        task_queues: Sequence[str | tuple[Client, str]],
        within: float = 60.0,
    ) -> None:
        """Waits until each task queue has a workflow poller (the workers are up).

        A queue is looked up in ``client``'s namespace, or given with the client of its own.

        Raises:
            RuntimeError: A worker stopped, or none polled within ``within`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        waiting = [(client, q) if isinstance(q, str) else q for q in task_queues]
        while waiting:
            if self.stopped():
                raise RuntimeError(f"worker(s) {', '.join(self.stopped())} stopped at start")
            if loop.time() > deadline:
                raise RuntimeError(f"no worker polls {', '.join(q for _, q in waiting)}")
            queue_client, queue = waiting[0]
            described = await queue_client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=queue_client.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            if described.pollers:
                waiting.pop(0)
            else:
                await asyncio.sleep(0.1)

    def warnings(self, limit: int = 10) -> list[str]:
        """The last WARNING and ERROR lines of each worker process's log."""
        found: list[str] = []
        for p in self.processes:
            lines = [
                line
                for line in p.tail(1_000_000).splitlines()
                if '"level": "WARNING"' in line or '"level": "ERROR"' in line
            ]
            found += [f"{p.name}: {line}" for line in lines[-limit:]]
        return found

    def stopped(self) -> list[str]:
        """The workers that already stopped (none should before the end)."""
        return [t.get_name() for t in self.tasks if t.done()] + [
            p.name for p in self.processes if p.process.poll() is not None
        ]


@asynccontextmanager
async def running_workers(
    placement: WorkerPlacement,
    ingestion_settings: IngestionSettings,
    evaluation_settings: EvaluationSettings,
    logdir: Path,
) -> AsyncIterator[RunningWorkers]:
    """Runs both workers until the block ends, then stops them gracefully."""
    running = RunningWorkers(placement)
    if placement is WorkerPlacement.INLINE:
        stop = asyncio.Event()
        running.tasks = [
            asyncio.create_task(ingestion.serve(ingestion_settings, stop), name="ingestion"),
            asyncio.create_task(evaluation.serve(evaluation_settings, stop), name="evaluation"),
        ]
        try:
            yield running
        finally:
            stop.set()
            results = await asyncio.gather(*running.tasks, return_exceptions=True)
            running.problems += [
                f"worker failed: {type(r).__name__}: {r}"
                for r in results
                if isinstance(r, BaseException)
            ]
        return
    running.processes = [
        _spawn("INGESTION_", app_environment(ingestion_settings), logdir),
        _spawn("EVALUATION_", app_environment(evaluation_settings), logdir),
    ]
    try:
        yield running
    finally:
        exited = [p for p in running.processes if p.process.poll() is not None]
        grace = ingestion_settings.graceful_shutdown_seconds + 10
        await asyncio.gather(*(asyncio.to_thread(_stop, p, grace) for p in running.processes))
        for p in running.processes:
            code = p.process.returncode
            if p in exited or code not in (0, -signal.SIGTERM):
                running.problems.append(f"worker {p.name} exited with {code}: {p.tail()}")
