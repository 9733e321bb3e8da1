"""How a workflow runs the shared activities: as regular or as local activities."""

from enum import StrEnum

__all__ = ["ActivityMode"]


class ActivityMode(StrEnum):
    """Where a workflow's shared-activity calls run.

    ``REGULAR``: scheduled through the server on a task queue (routable to other workers,
    each attempt recorded). ``LOCAL``: run by the workflow's own worker within the workflow
    task (fewer round trips; retries happen inside the workflow task).
    """

    REGULAR = "regular"
    LOCAL = "local"
