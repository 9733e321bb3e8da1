"""One call that gives a Temporal worker the shared activities: `SharedActivitiesPlugin`."""

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter, DefaultPayloadConverter
from temporalio.plugin import SimplePlugin
from temporalio.worker import Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from workflow_contracts import DATA_CONVERTER

from workflow_shared_activities._config import SharedActivitiesConfig
from workflow_shared_activities._resources import WorkerResources
from workflow_shared_activities.nexus import (
    NEXUS_WORKFLOWS,
    NexusOperationActivities,
    SharedOperationsHandler,
)

__all__ = [
    "SharedActivitiesPlugin",
    "compose_data_converter",
    "share_contracts_with_sandbox",
]

logger = logging.getLogger(__name__)


class SharedActivitiesPlugin(SimplePlugin):
    """Registers the activities of every package the configuration lists on a worker.

    Give it to ``Client.connect(..., plugins=[plugin])`` (every worker of that client then gets
    the activities) or to one ``Worker(..., plugins=[plugin])``. Each worker gets its own
    `WorkerResources` (e.g. one aioboto3 events client, one database engine, one SNS client),
    opened in the listed order when that worker starts running and closed in reverse (queued
    events flushed first) when it stops, so two workers of one client start and stop
    independently. The plugin has no code of its own for any one package.

    The client's data converter is kept: only its payload converter is set to Temporal's
    Pydantic one, which the contracts need. A payload codec (encryption), a failure converter
    or external payload storage given by the user stay as they are; a payload converter of
    another kind is a conflict, reported when the client is built.

    Example:
        config = SharedActivitiesConfig(events=EventSettings(bus_name="platform"))
        plugin = SharedActivitiesPlugin(config)
        client = await Client.connect("localhost:7233", plugins=[plugin])
        worker = Worker(client, task_queue="ingestion", workflows=[IngestFileWorkflow])
        await worker.run()
    """

    def __init__(
        self,
        config: SharedActivitiesConfig,
        *,
        extra_activities: Callable[[WorkerResources], Sequence[Callable[..., Any]]] | None = None,
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
        self._workers: dict[int, tuple[object, WorkerResources]] = {}
        self._last: WorkerResources | None = None
        super().__init__(
            "workflow-shared-activities",
            data_converter=compose_data_converter,
            activities=self._add_activities,
            workflow_runner=share_contracts_with_sandbox,
            nexus_service_handlers=[SharedOperationsHandler()] if nexus else None,
            workflows=list(NEXUS_WORKFLOWS) if nexus else None,
        )

    @property
    def resources(self) -> WorkerResources:
        """The resources of the worker configured last (with one worker: its resources).

        With several workers on one plugin, use `resources_for`.
        """
        if self._last is None:
            self._last = WorkerResources(self.config)  # a worker not built yet: nothing open
        return self._last

    def resources_for(self, worker: Worker) -> WorkerResources:
        """The resources of one worker built with this plugin.

        Raises:
            LookupError: The worker was not configured by this plugin.
        """
        found = self._find(worker)
        if found is None:
            raise LookupError("this worker was not built with this plugin")
        return found

    def build_activities(self, resources: WorkerResources) -> list[Callable[..., Any]]:
        """The activities registered on a worker, over that worker's resources."""
        activities = resources.activities()
        if self.nexus:
            activities.extend(NexusOperationActivities(resources, self.config).all())
        if self._extra_activities is not None:
            activities.extend(self._extra_activities(resources))
        return activities

    def _add_activities(
        self, existing: Sequence[Callable[..., Any]] | None
    ) -> Sequence[Callable[..., Any]]:
        resources = WorkerResources(self.config)
        activities = self.build_activities(resources)
        marker = activities[0]
        self._workers[id(marker)] = (marker, resources)
        self._last = resources
        return [*(existing or []), *activities]

    def _find(self, worker: Worker) -> WorkerResources | None:
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
        async with resources.open(namespace=worker.client.namespace):
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
