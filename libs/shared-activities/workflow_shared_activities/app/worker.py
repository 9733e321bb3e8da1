"""Building and running an app's worker: `WorkerApp`, what an app is made of.

An app declares its workflows, its own activities, how one file's workflow is started and,
optionally, a companion task (the evaluation app's event consumer); `WorkerApp` builds the
plugin, the client and the worker, and runs them with the shared logging and shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from temporalio.client import Client, WorkflowHandle
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.runtime import Runtime
from temporalio.worker import Replayer, Worker, WorkerDeploymentConfig
from workflow_contracts import DATA_CONVERTER

from workflow_shared_activities._health import serve_health
from workflow_shared_activities._plugin import SharedActivitiesPlugin
from workflow_shared_activities._resources import WorkerResources
from workflow_shared_activities._runtime import connect_client, run_worker_until_stopped
from workflow_shared_activities.app.observability import (
    client_plugins,
    configure_tracing,
    metrics_runtime,
)
from workflow_shared_activities.app.settings import AppSettings

__all__ = ["WorkerApp", "run_worker_until_stopped"]

logger = logging.getLogger(__name__)

S = TypeVar("S", bound=AppSettings)


def _no_activities(settings: Any, resources: WorkerResources) -> Sequence[Callable[..., Any]]:
    return []


@dataclass(frozen=True)
class WorkerApp(Generic[S]):
    """One worker app: only what is its own; the wiring is shared.

    Attributes:
        name: Program name (``ingestion-worker``), also used in log lines.
        settings_type: The app's `AppSettings` subclass (its prefix and defaults).
        workflows: The workflows the worker runs.
        start_workflow: Starts (or joins) the workflow of one file; returns its handle.
        activities: The app's own activities over a worker's shared resources.
        companion: Runs beside the worker until ``stop`` is set (e.g. an event consumer).
        description: One line for ``--help``.
        versioning_behavior: The versioning behaviour of the app's workflows when the worker
            is versioned (PINNED: a run stays on the version it started on; AUTO_UPGRADE: it
            moves to the current version at its next task). It is the worker's default rather
            than each workflow's `@workflow.defn(versioning_behavior=...)` because a workflow
            naming a behaviour cannot run on an unversioned worker (the server refuses its task
            completions), and an app also runs unversioned. UNSPECIFIED (the default) makes
            Temporal refuse to build a versioned worker: an app must choose.
    """

    name: str
    settings_type: type[S]
    workflows: Sequence[type]
    start_workflow: Callable[[Client, S, UUID], Awaitable[WorkflowHandle[Any, Any]]]
    activities: Callable[[S, WorkerResources], Sequence[Callable[..., Any]]] = _no_activities
    companion: Callable[[Client, S, asyncio.Event], Coroutine[Any, Any, None]] | None = None
    description: str = ""
    versioning_behavior: VersioningBehavior = VersioningBehavior.UNSPECIFIED
    logger: logging.Logger = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "logger", logging.getLogger(self.name.replace("-", "_")))

    def load_settings(self) -> S:
        """The settings from the environment (and ``.env``)."""
        return self.settings_type()

    def build_plugin(self, settings: S) -> SharedActivitiesPlugin:
        """The shared activities plus the app's own, over one set of clients per worker."""
        return SharedActivitiesPlugin(
            settings.shared_activities(),
            extra_activities=lambda resources: self.activities(settings, resources),
        )

    async def connect(self, settings: S, runtime: Runtime | None = None) -> Client:
        """A Temporal client for the configured server, with the contracts' data converter.

        With ``tracing`` on, the client has Temporal's OpenTelemetry plugin (and the process a
        tracer provider); ``runtime`` exports metrics (`metrics_runtime`, when serving).
        """
        configure_tracing(settings, self.name)
        return await connect_client(
            settings.temporal_address,
            settings.temporal_namespace,
            runtime=runtime,
            plugins=client_plugins(settings),
        )

    def deployment_config(self, settings: S) -> WorkerDeploymentConfig | None:
        """The worker's Worker Deployment version, or None when ``worker_versioning`` is off.

        A versioned worker gets no task until its version is made current (or ramping) on
        the server: ``<app> deployment set-current``.
        """
        if not settings.worker_versioning:
            return None
        return WorkerDeploymentConfig(
            version=WorkerDeploymentVersion(settings.deployment_name, settings.build_id),
            use_worker_versioning=True,
            default_versioning_behavior=self.versioning_behavior,
        )

    def build_worker(self, client: Client, settings: S, plugin: SharedActivitiesPlugin) -> Worker:
        """The worker: the app's workflows, the shared and the app's activities.

        Versioned (`deployment_config`) unless ``worker_versioning`` is off.
        """
        return Worker(
            client,
            task_queue=settings.task_queue,
            workflows=list(self.workflows),
            plugins=[plugin],
            graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
            # A killed worker's cached workflows move to another worker after this, not 10 s.
            sticky_queue_schedule_to_start_timeout=timedelta(seconds=3),
            deployment_config=self.deployment_config(settings),
        )

    def build_replayer(self, settings: S, plugin: SharedActivitiesPlugin | None = None) -> Replayer:
        """A replayer that runs the app's workflows exactly as `serve`'s worker does.

        Same workflows, the client's data converter and plugins (`connect`), then the shared
        activities' plugin (its data converter and sandbox runner) last, in the order the
        worker applies them; nothing is opened or connected. Replaying recorded histories with
        it (the apps' ``tests/replay``) catches a change that breaks running workflows.

        Args:
            settings: The app's settings (``tracing`` adds the OpenTelemetry plugin).
            plugin: The plugin the worker is built with (None: `build_plugin`'s).
        """
        return Replayer(
            workflows=list(self.workflows),
            data_converter=DATA_CONVERTER,
            plugins=[*client_plugins(settings), plugin or self.build_plugin(settings)],
        )

    def log_effective_config(self, settings: S) -> None:
        """Logs what the app runs with (the database URL without its password)."""
        self.logger.info("%s starting: %s", self.name, settings.describe())

    async def serve(self, settings: S, stop: asyncio.Event | None = None) -> None:
        """Runs the worker (and the companion) until SIGINT/SIGTERM or ``stop``.

        Logs the effective configuration first, and "ready" once the worker's clients are
        open (after the shared activities' own "ready" line). With ``health_port`` set, the
        health endpoints serve from before the worker starts until after it has stopped;
        readiness turns off as soon as ``stop`` is set (SIGINT/SIGTERM set it).
        """
        stop = stop or asyncio.Event()
        self.log_effective_config(settings)
        client = await self.connect(settings, metrics_runtime(settings))
        plugin = self.build_plugin(settings)
        worker = self.build_worker(client, settings, plugin)
        async with self._health(settings, worker, plugin, stop):
            await self._serve(client, settings, worker, plugin, stop)

    def _health(
        self, settings: S, worker: Worker, plugin: SharedActivitiesPlugin, stop: asyncio.Event
    ) -> contextlib.AbstractAsyncContextManager[object]:
        if settings.health_port is None:
            return contextlib.nullcontext()
        return serve_health(
            worker,
            plugin,
            port=settings.health_port,
            host=settings.health_host,
            check_timeout=timedelta(seconds=settings.health_check_timeout_seconds),
            stop=stop,
        )

    async def _serve(
        self,
        client: Client,
        settings: S,
        worker: Worker,
        plugin: SharedActivitiesPlugin,
        stop: asyncio.Event,
    ) -> None:
        running = asyncio.create_task(self._run(client, settings, worker, stop))
        opened = asyncio.create_task(plugin.resources_for(worker).wait_until_open())
        try:
            await asyncio.wait({running, opened}, return_when=asyncio.FIRST_COMPLETED)
            if opened.done():
                self.logger.info(
                    "%s ready: task queue %s on %s (namespace %s)",
                    self.name,
                    settings.task_queue,
                    settings.temporal_address,
                    settings.temporal_namespace,
                )
                if settings.worker_versioning:
                    self.logger.info(
                        "%s is version %s of deployment %s: it gets tasks once that version "
                        "is current (%s deployment set-current)",
                        self.name,
                        settings.build_id,
                        settings.deployment_name,
                        self.name,
                    )
            await running
        finally:
            opened.cancel()
            stop.set()
            if not running.done():
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running

    async def _run(self, client: Client, settings: S, worker: Worker, stop: asyncio.Event) -> None:
        if self.companion is None:
            await run_worker_until_stopped(worker, stop)
            return
        beside = asyncio.create_task(self.companion(client, settings, stop))
        # A companion that fails stops the worker too; its error is raised below.
        beside.add_done_callback(
            lambda task: stop.set() if not task.cancelled() and task.exception() else None
        )
        try:
            await run_worker_until_stopped(worker, stop)
        finally:
            stop.set()
            await beside
