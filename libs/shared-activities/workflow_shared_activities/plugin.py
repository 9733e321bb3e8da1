"""One call that gives a Temporal worker the shared activities: `SharedActivitiesPlugin`."""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.converter import DataConverter
from temporalio.plugin import SimplePlugin
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
    SqlFileStatusRepository,
    StatusHistoryRead,
    UpdateFileStatusActivity,
    create_engine,
    upgrade,
)

from workflow_shared_activities.config import SharedActivitiesConfig

__all__ = ["SharedActivitiesPlugin", "SharedResources"]

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
        self._repository: SqlFileStatusRepository | None = None
        self._opened = asyncio.Event()

    async def wait_until_open(self) -> None:
        """Waits until the worker has started and opened its clients."""
        await self._opened.wait()

    @property
    def repository(self) -> SqlFileStatusRepository:
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
        """Changes a file's status (see `SqlFileStatusRepository.change_status`)."""
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
    async def open(self, config: SharedActivitiesConfig) -> AsyncIterator["SharedResources"]:
        """Opens the events client and the engine; closes both (flushing events) on exit."""
        if config.migrate:
            await asyncio.to_thread(upgrade, config.database_url)
        engine = create_engine(config.database_url)
        try:
            async with open_events_client(
                region_name=config.aws_region, endpoint_url=config.aws_endpoint_url
            ) as client:
                sender = new_aioboto3_event_sender(client, config.event_bus_name)
                self._publisher = (
                    BatchingPublisher(
                        sender,
                        max_wait=config.batch_max_wait,
                        max_batch_bytes=config.max_entry_bytes,
                    )
                    if config.batching
                    else DirectPublisher(sender)
                )
                self._repository = SqlFileStatusRepository(engine)
                self._opened.set()
                logger.info("shared activities ready (%r)", config)
                try:
                    yield self
                finally:
                    self._opened.clear()
                    await self._publisher.aclose()
                    self._publisher = None
                    self._repository = None
        finally:
            await engine.dispose()
            logger.info("shared activities closed")


class SharedActivitiesPlugin(SimplePlugin):
    """Registers `SendEventActivity.run` and `UpdateFileStatusActivity.run` on a worker.

    Give it to ``Client.connect(..., plugins=[plugin])`` (it then also sets the data converter
    the contracts need, and every worker of that client gets the activities) or to one
    ``Worker(..., plugins=[plugin])``. The aioboto3 events client and the database engine are
    opened once when the worker starts running and closed when it stops; queued events are
    flushed first.

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
    ) -> None:
        """Builds the activities over resources opened later, when the worker runs.

        Args:
            config: Where to connect.
            extra_activities: Builds more activities (an app's own) over the same resources.
        """
        self.config = config
        self.resources = SharedResources()
        self.send_event = SendEventActivity(
            self.resources,
            source_prefix=config.event_source_prefix,
            max_entry_bytes=config.max_entry_bytes,
        )
        self.update_file_status = UpdateFileStatusActivity(
            self.resources, transitions=config.transitions
        )
        activities: list[Callable[..., Any]] = [self.send_event.run, self.update_file_status.run]
        if extra_activities is not None:
            activities.extend(extra_activities(self.resources))

        def _converter(_: DataConverter | None) -> DataConverter:
            return DATA_CONVERTER

        def _run_context() -> AbstractAsyncContextManager[None]:
            return self._opened()

        super().__init__(
            "workflow-shared-activities",
            data_converter=_converter,
            activities=activities,
            run_context=_run_context,
        )

    @asynccontextmanager
    async def _opened(self) -> AsyncIterator[None]:
        async with self.resources.open(self.config):
            yield
