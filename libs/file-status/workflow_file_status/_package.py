"""``FILE_STATUS``: what this package gives the worker that composes it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from workflow_activity_kit import ActivityPackage

from workflow_file_status._activity import UpdateFileStatusActivity
from workflow_file_status._resource import FileStatusResource
from workflow_file_status._settings import FileStatusSettings

__all__ = ["FILE_STATUS"]


def _activities(
    resource: FileStatusResource, settings: FileStatusSettings
) -> Sequence[Callable[..., Any]]:
    return [UpdateFileStatusActivity(resource, transitions=settings.transitions).run]


FILE_STATUS: ActivityPackage[FileStatusSettings, FileStatusResource] = ActivityPackage(
    name="file_status",
    settings_type=FileStatusSettings,
    resource=FileStatusResource,
    activities=_activities,
)
"""``shared.update_file_status`` over one database engine per worker."""
