"""`WorkerResources`: the clients of every package for one worker, open while it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

from workflow_activity_kit import ActivityPackage, PackageResource, Probe

from workflow_shared_activities._config import SharedActivitiesConfig

__all__ = ["WorkerResources"]

# The ready and closed lines keep the logger name operators filter on (0.1: the plugin).
logger = logging.getLogger("workflow_shared_activities.plugin")

R = TypeVar("R", bound=PackageResource)


class WorkerResources:
    """One worker's resource of each package, built closed with the worker, open while it runs.

    The activities are registered over these resources when the worker is built, before it
    runs; `SharedActivitiesPlugin` opens them when the worker starts and closes them when it
    stops. Reach one with its package: ``resources[FILE_STATUS].get_file(file_id)``.
    """

    def __init__(self, config: SharedActivitiesConfig) -> None:
        """Builds each listed package's resource, closed."""
        self.config = config
        self._resources: dict[str, PackageResource] = {
            package.name: package.resource(settings) for package, settings in config.packages()
        }
        self._opened = asyncio.Event()

    def __getitem__(self, package: ActivityPackage[Any, R]) -> R:
        """This worker's resource of ``package`` (open only while the worker runs).

        Raises:
            KeyError: The configuration does not list ``package``.
        """
        resource = self._resources.get(package.name)
        if resource is None:
            raise KeyError(f"the shared activities of this worker do not list {package.name!r}")
        return resource  # type: ignore[return-value]  # built by this very package

    def activities(self) -> list[Callable[..., Any]]:
        """Every package's activities, bound to this worker's resources."""
        found: list[Callable[..., Any]] = []
        for package, settings in self.config.packages():
            found.extend(package.activities(self._resources[package.name], settings))
        return found

    def probes(self) -> Mapping[str, Probe]:
        """Every package's readiness checks, by name (``database``, ``event_bus``...)."""
        return {
            name: probe
            for resource in self._resources.values()
            for name, probe in resource.probes().items()
        }

    async def wait_until_open(self) -> None:
        """Waits until the worker has started and opened its clients."""
        await self._opened.wait()

    @property
    def is_open(self) -> bool:
        """Whether the worker's clients are open (the worker has started and not stopped)."""
        return self._opened.is_set()

    @asynccontextmanager
    async def open(self, *, namespace: str = "default") -> AsyncIterator[WorkerResources]:
        """Opens each package's clients in the listed order; closes them in reverse.

        Args:
            namespace: The worker's Temporal namespace (given to every package).

        Raises:
            RuntimeError: These resources are already open (one worker run at a time).
            MigrationError: The file-status package migrates on start and failed (one line
                that names the fix); any package's own opening error likewise.
        """
        if self._opened.is_set():
            raise RuntimeError("these shared resources are already open for a running worker")
        scope = self.config.scope(namespace)
        async with AsyncExitStack() as stack:
            for name, resource in self._resources.items():
                await stack.enter_async_context(resource.open(scope))
                logger.debug("shared activities: %s open", name)
            self._opened.set()
            logger.info("shared activities ready (%r)", self.config)
            try:
                yield self
            finally:
                self._opened.clear()
        logger.info("shared activities closed")
