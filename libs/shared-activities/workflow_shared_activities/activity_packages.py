"""The per-activity packages plugged into the umbrella, one worker's clients of them.

Each package (``libs/<name>``, made by ``pnpm nx g @workflow/nx-plugin:shared-activity``)
brings a resource that opens its long-lived client with the worker and closes it with the
worker, and one activity over that resource. The generator adds one line to each section
marked ``shared-activity-generator``; `SharedResources` opens these with its own clients.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from workflow_notifications import NotificationResource, SendNotificationActivity

from workflow_shared_activities.config import SharedActivitiesConfig

# shared-activity-generator: imports

__all__ = ["ActivityPackages"]


class ActivityPackages:
    """The resources of every per-activity package for one worker (closed until it runs)."""

    def __init__(self) -> None:
        """Creates each package's resource, closed."""
        self.notifications = NotificationResource()
        # shared-activity-generator: resources

    @asynccontextmanager
    async def open(self, config: SharedActivitiesConfig) -> AsyncIterator[None]:
        """Opens each package's client with the worker; closes them in reverse order."""
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(
                self.notifications.open(
                    config.notifications,
                    aws_region=config.aws_region,
                    aws_endpoint_url=config.aws_endpoint_url,
                    operator_retry_delay=config.operator_retry_delay,
                )
            )
            # shared-activity-generator: open
            del stack  # (used by the generated lines above)
            yield

    def activities(self, config: SharedActivitiesConfig) -> list[Callable[..., Any]]:
        """Each package's activity, bound to this worker's resource."""
        activities: list[Callable[..., Any]] = []
        activities.append(SendNotificationActivity(self.notifications, config.notifications).run)
        # shared-activity-generator: activities
        return activities
