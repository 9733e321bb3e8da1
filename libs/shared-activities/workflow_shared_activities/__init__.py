"""Reusable Temporal activities for file status and events, wired for a worker.

`SharedActivitiesPlugin` gives a worker both activities, their long-lived clients and the
data converter in one call. The package also re-exports the contracts, the activity kit,
`workflow_events` and `workflow_file_status`, so a worker needs only this import.
"""

from workflow_activity_kit import *  # noqa: F403
from workflow_activity_kit import __all__ as _kit_all
from workflow_contracts import *  # noqa: F403
from workflow_contracts import __all__ as _contracts_all
from workflow_contracts.notifications import *  # noqa: F403
from workflow_events import *  # noqa: F403
from workflow_events import __all__ as _events_all
from workflow_file_status import *  # noqa: F403
from workflow_file_status import __all__ as _file_status_all
from workflow_notifications import *  # noqa: F403
from workflow_notifications import __all__ as _notifications_all

# shared-activity-generator: imports
from workflow_shared_activities.config import SharedActivitiesConfig
from workflow_shared_activities.health import HealthServer, serve_health
from workflow_shared_activities.plugin import (
    SharedActivitiesPlugin,
    SharedResources,
    compose_data_converter,
    share_contracts_with_sandbox,
)
from workflow_shared_activities.runtime import (
    JsonLogFormatter,
    configure_logging,
    connect_client,
    run_until_signalled,
)
from workflow_shared_activities.services import (
    ServiceKeyConflictError,
    change_file_status,
    emit_event,
    service_activity_id,
)
from workflow_shared_activities.telemetry import (
    SHARED_HISTOGRAM_BUCKETS,
    SHARED_METRICS,
    prometheus_runtime,
    tracing_plugin,
)

__all__ = [
    *_kit_all,
    *_contracts_all,
    *_events_all,
    *_file_status_all,
    *_notifications_all,
    # shared-activity-generator: exports
    "SharedActivitiesConfig",
    "HealthServer",
    "serve_health",
    "SharedActivitiesPlugin",
    "SharedResources",
    "compose_data_converter",
    "share_contracts_with_sandbox",
    "JsonLogFormatter",
    "configure_logging",
    "connect_client",
    "run_until_signalled",
    "ServiceKeyConflictError",
    "change_file_status",
    "emit_event",
    "service_activity_id",
    "SHARED_HISTOGRAM_BUCKETS",
    "SHARED_METRICS",
    "prometheus_runtime",
    "tracing_plugin",
]
