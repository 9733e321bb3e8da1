"""One call that gives a Temporal worker the shared activities: `SharedActivitiesPlugin`."""

import asyncio
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultPayloadConverter
from temporalio.plugin import SimplePlugin
from temporalio.worker import Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from workflow_contracts import (
    DATA_CONVERTER,
    FileStatus,
    StatusChange,
    TemporalContext,
    TransitionGraph,
)
from workflow_events import (
    BatchingPublisher,
    DirectPublisher,
    EventEntry,
    SendEventActivity,
    new_aioboto3_event_sender,
    open_events_client,
)
from workflow_file_status import (
    FileCreate,
    FileRead,
    SqlFileStatusAdapter,
    StatusHistoryRead,
    UpdateFileStatusActivity,
    create_engine,
    repository_for,
    upgrade,
)

from workflow_shared_activities.activity_packages import ActivityPackages
from workflow_shared_activities.config import SharedActivitiesConfig
from workflow_shared_activities.nexus import (
    NEXUS_WORKFLOWS,
    NexusOperationActivities,
    SharedOperationsHandler,
)

if TYPE_CHECKING:
    from types_aiobotocore_events import EventBridgeClient

__all__ = [
    "SharedActivitiesPlugin",
    "SharedResources",
    "compose_data_converter",
    "share_contracts_with_sandbox",
]

logger = logging.getLogger(__name__)


class SharedResources:
    """The long-lived clients of one worker, open only while the worker runs.

    The activities are registered when the worker is built, before it runs; they reach the
    client and the engine through this object, which `SharedActivitiesPlugin` fills when the
    worker starts and empties when it stops.
    """

    def __init__(self) -> None:
        """Starts empty."""
        self._publisher: BatchingPublisher | DirectPublisher | None = None
        self._repository: SqlFileStatusAdapter | None = None
        # Kept for the readiness probes only; activities go through the publisher.
        self._events: tuple[EventBridgeClient, str] | None = None
        self._opened = asyncio.Event()
        self.packages = ActivityPackages()
        """The clients of the per-activity packages (`ActivityPackages`)."""

    async def wait_until_open(self) -> None:
        """Waits until the worker has started and opened its clients."""
        await self._opened.wait()

    @property
    def is_open(self) -> bool:
        """Whether the worker's clients are open (the worker has started and not stopped)."""
        return self._opened.is_set()

    async def probe_database(self) -> None:
        """Runs ``SELECT 1`` on a connection of the worker's pool (a readiness probe).

        Raises the driver's error (`RuntimeError` when the worker is not running); the caller
        bounds the wait (a pool exhausted by activities makes the probe wait as they do).
        """
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def probe_event_bus(self) -> None:
        """``DescribeEventBus`` of the worker's bus on its events client (a readiness probe).

        Raises botocore's error (``ResourceNotFoundException``: no such bus) or `RuntimeError`
        when the worker is not running. Needs ``events:DescribeEventBus`` on the bus.
        """
        if self._events is None:
            raise RuntimeError("the worker is not running: shared resources are closed")
        client, bus_name = self._events
        await client.describe_event_bus(Name=bus_name)

    @property
    def repository(self) -> SqlFileStatusAdapter:
        """The file-status repository (raises if the worker is not running)."""
        if self._repository is None:
            raise RuntimeError("the worker is not running: shared resources are closed")
        return self._repository

    @property
    def engine(self) -> AsyncEngine:
        """The worker's database engine."""
        return self.repository.engine

    # EventPublisher
    async def publish(self, entry: EventEntry) -> str:
        """Publishes through the worker's publisher."""
        if self._publisher is None:
            raise RuntimeError("the worker is not running: shared resources are closed")
        return await self._publisher.publish(entry)

    # FileStatusRepository, plus the small public API the apps use
    async def change_status(
        self,
        file_id: UUID,
        target: FileStatus,
        context: TemporalContext,
        transitions: TransitionGraph,
    ) -> StatusChange:
        """Changes a file's status (see `FileStatusRepository.change_status`)."""
        return await self.repository.change_status(file_id, target, context, transitions)

    async def register_file(self, file: FileCreate) -> FileRead:
        """Registers a file."""
        return await self.repository.register_file(file)

    async def get_file(self, file_id: UUID) -> FileRead | None:
        """Reads a file."""
        return await self.repository.get_file(file_id)

    async def get_history(self, file_id: UUID) -> list[StatusHistoryRead]:
        """Reads a file's status history."""
        return await self.repository.get_history(file_id)

    @asynccontextmanager
    async def open(
        self, config: SharedActivitiesConfig, *, temporal_namespace: str = "default"
    ) -> AsyncIterator["SharedResources"]:
        """Opens the events client and the engine; closes both (flushing events) on exit.

        Args:
            config: Where to connect.
            temporal_namespace: The worker's namespace (keys history rows of older versions
                when ``config.migrate`` upgrades the schema).

        Raises:
            RuntimeError: These resources are already open (one worker run at a time).
            MigrationError: ``config.migrate`` is on and the migration failed (e.g. a role
                that may not change the schema): one line that names the fix.
        """
        if self._opened.is_set():
            raise RuntimeError("these shared resources are already open for a running worker")
        if config.migrate:
            await asyncio.to_thread(
                functools.partial(
                    upgrade, config.database_url, temporal_namespace=temporal_namespace
                )
            )
        engine = create_engine(config.database_url, pool_size=config.database_pool_size)
        try:
            async with (
                open_events_client(
                    region_name=config.aws_region, endpoint_url=config.aws_endpoint_url
                ) as client,
                self.packages.open(config),
            ):
                sender = new_aioboto3_event_sender(
                    client,
                    config.event_bus_name,
                    operator_retry_delay=config.operator_retry_delay,
                )
                publisher: BatchingPublisher | DirectPublisher = (
                    BatchingPublisher(
                        sender,
                        max_wait=config.batch_max_wait,
                        max_batch_bytes=config.max_entry_bytes,
                    )
                    if config.batching
                    else DirectPublisher(sender)
                )
                self._publisher = publisher
                self._events = (client, config.event_bus_name)
                self._repository = repository_for(
                    engine, operator_retry_delay=config.operator_retry_delay
                )
                self._opened.set()
                logger.info("shared activities ready (%r)", config)
                try:
                    yield self
                finally:
                    self._opened.clear()
                    self._publisher = None
                    self._events = None
                    self._repository = None
                    await publisher.aclose()
        finally:
            await engine.dispose()
            logger.info("shared activities closed")


class SharedActivitiesPlugin(SimplePlugin):
    """Registers `SendEventActivity.run` and `UpdateFileStatusActivity.run` on a worker.

    Give it to ``Client.connect(..., plugins=[plugin])`` (every worker of that client then gets
    the activities) or to one ``Worker(..., plugins=[plugin])``. Each worker gets its own
    `SharedResources`: one aioboto3 events client and one database engine, opened when that
    worker starts running and closed (queued events flushed first) when it stops, so two
    workers of one client start and stop independently.

    The client's data converter is kept: only its payload converter is set to Temporal's
    Pydantic one, which the contracts need. A payload codec (encryption), a failure converter
    or external payload storage given by the user stay as they are; a payload converter of
    another kind is a conflict, reported when the client is built.

    Example:
        plugin = SharedActivitiesPlugin(SharedActivitiesConfig(event_bus_name="platform"))
        client = await Client.connect("localhost:7233", plugins=[plugin])
        worker = Worker(client, task_queue="ingestion", workflows=[IngestFileWorkflow])
        await worker.run()
    """

    def __init__(
        self,
        config: SharedActivitiesConfig,
        *,
        extra_activities: Callable[[SharedResources], Sequence[Callable[..., Any]]] | None = None,
        nexus: bool = False,
    ) -> None:
        """Configures the plugin; nothing is opened until a worker runs.

        Args:
            config: Where to connect.
            extra_activities: Builds more activities (an app's own) over each worker's
                resources.
            nexus: Also serve the shared operations to other namespaces: registers the
                `SharedOperationsHandler` Nexus service, the workflows behind its operations
                and their activities (see `workflow_shared_activities.nexus`).
        """
        self.config = config
        self.nexus = nexus
        self._extra_activities = extra_activities
        # Each worker's activities are built over resources of their own; they are found
        # again through the bound method registered first (a stable object in its config).
        self._workers: dict[int, tuple[object, SharedResources]] = {}
        self._last: SharedResources | None = None
        super().__init__(
            "workflow-shared-activities",
            data_converter=compose_data_converter,
            activities=self._add_activities,
            workflow_runner=share_contracts_with_sandbox,
            nexus_service_handlers=[SharedOperationsHandler()] if nexus else None,
            workflows=list(NEXUS_WORKFLOWS) if nexus else None,
        )

    @property
    def resources(self) -> SharedResources:
        """The resources of the worker configured last (with one worker: its resources).

        With several workers on one plugin, use `resources_for`.
        """
        if self._last is None:
            self._last = SharedResources()  # a worker not built yet: nothing open
        return self._last

    def resources_for(self, worker: Worker) -> SharedResources:
        """The resources of one worker built with this plugin.

        Raises:
            LookupError: The worker was not configured by this plugin.
        """
        found = self._find(worker)
        if found is None:
            raise LookupError("this worker was not built with this plugin")
        return found

    def build_activities(self, resources: SharedResources) -> list[Callable[..., Any]]:
        """The activities registered on a worker, over that worker's resources."""
        send_event = SendEventActivity(
            resources,
            source_prefix=self.config.event_source_prefix,
            max_entry_bytes=self.config.max_entry_bytes,
        )
        update_file_status = UpdateFileStatusActivity(
            resources, transitions=self.config.transitions
        )
        activities: list[Callable[..., Any]] = [send_event.run, update_file_status.run]
        activities.extend(resources.packages.activities(self.config))
        if self.nexus:
            activities.extend(NexusOperationActivities(resources, self.config).all())
        if self._extra_activities is not None:
            activities.extend(self._extra_activities(resources))
        return activities

    def _add_activities(
        self, existing: Sequence[Callable[..., Any]] | None
    ) -> Sequence[Callable[..., Any]]:
        resources = SharedResources()
        activities = self.build_activities(resources)
        marker = activities[0]
        self._workers[id(marker)] = (marker, resources)
        self._last = resources
        return [*(existing or []), *activities]

    def _find(self, worker: Worker) -> SharedResources | None:
        for fn in worker.config(active_config=True).get("activities", []):
            entry = self._workers.get(id(fn))
            if entry is not None and entry[0] is fn:
                return entry[1]
        return None

    async def run_worker(self, worker: Worker, next: Callable[[Worker], Awaitable[None]]) -> None:
        """Opens this worker's resources around its run, and closes them after."""
        resources = self._find(worker)
        if resources is None:  # pragma: no cover - a worker configured by another plugin copy
            await next(worker)
            return
        async with resources.open(self.config, temporal_namespace=worker.client.namespace):
            await next(worker)


def share_contracts_with_sandbox(runner: WorkflowRunner | None) -> WorkflowRunner:
    """The worker's workflow runner, with ``workflow_contracts`` shared across workflow runs.

    Temporal's sandbox executes every module a workflow imports again for each workflow run,
    unless it is passed through. ``workflow_contracts`` holds constants, frozen models and pure
    functions only, so sharing it keeps workflows deterministic; re-executing it was most of a
    short workflow's CPU (see the benchmarks). The user's own restrictions are kept; a runner
    that is not the sandbox is returned as it is; none gives the default sandbox.
    """
    if runner is None:
        return SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules("workflow_contracts")
        )
    if isinstance(runner, SandboxedWorkflowRunner):
        return dataclasses.replace(
            runner,
            restrictions=runner.restrictions.with_passthrough_modules("workflow_contracts"),
        )
    return runner


def compose_data_converter(existing: DataConverter | None) -> DataConverter:
    """The client's converter with the Pydantic payload converter the contracts need.

    Keeps the payload codec, failure converter and external storage of ``existing``.

    Raises:
        ValueError: ``existing`` has a custom payload converter of another kind.
    """
    if existing is None:
        return DATA_CONVERTER
    current = existing.payload_converter_class
    if issubclass(current, PydanticPayloadConverter):
        return existing
    if current is DefaultPayloadConverter:
        return dataclasses.replace(existing, payload_converter_class=PydanticPayloadConverter)
    raise ValueError(
        f"SharedActivitiesPlugin needs Temporal's Pydantic payload converter, but the client"
        f" has {current.__module__}.{current.__qualname__}: derive it from"
        " temporalio.contrib.pydantic.PydanticPayloadConverter, or use the default one"
        " (codecs, failure converters and payload storage are kept as they are)"
    )
