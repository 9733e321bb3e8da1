"""Reusable Temporal activities for a worker: one plugin composes the shared activity packages.

`SharedActivitiesPlugin` gives a worker every package its `SharedActivitiesConfig` lists (events,
file status, notifications), one set of long-lived clients per worker (`WorkerResources`), and
the data converter and sandbox settings the workflow contracts need.

This package is for workers and services: it imports the AWS and database clients. Workflow code
imports ``workflow_contracts`` only (the helpers, models, activity names and error types), which
is safe inside Temporal's sandbox. More here: ``workflow_shared_activities.services`` (standalone
calls from services), ``workflow_shared_activities.telemetry`` (tracing and metrics) and
``workflow_shared_activities.app`` (the sample apps' worker framework, the ``app`` extra).
"""

from workflow_events import EVENTS, EventSettings
from workflow_file_status import FILE_STATUS, FileStatusSettings
from workflow_notifications import NOTIFICATIONS, NotificationSettings

from workflow_shared_activities._config import SharedActivitiesConfig
from workflow_shared_activities._health import serve_health
from workflow_shared_activities._plugin import SharedActivitiesPlugin
from workflow_shared_activities._resources import WorkerResources
from workflow_shared_activities._runtime import (
    configure_logging,
    connect_client,
    run_until_signalled,
)
from workflow_shared_activities.services import change_file_status, emit_event

__all__ = [
    "EVENTS",
    "FILE_STATUS",
    "NOTIFICATIONS",
    "EventSettings",
    "FileStatusSettings",
    "NotificationSettings",
    "SharedActivitiesConfig",
    "SharedActivitiesPlugin",
    "WorkerResources",
    "change_file_status",
    "configure_logging",
    "connect_client",
    "emit_event",
    "run_until_signalled",
    "serve_health",
]
