"""The shared operations served to other namespaces through Nexus (the platform side).

``SharedActivitiesPlugin(config, nexus=True)`` registers `SharedOperationsHandler`, the
workflows that serve its operations and their activities on every worker of the plugin; a
Nexus endpoint (`ensure_nexus_endpoint`) routes callers to that worker's task queue. The
caller's side is `workflow_contracts.nexus` and the ``nexus_endpoint=`` of the helpers.
"""

from workflow_shared_activities.nexus.activities import (
    NEXUS_SEND_EVENT_ACTIVITY,
    NEXUS_SEND_NOTIFICATION_ACTIVITY,
    NEXUS_UPDATE_FILE_STATUS_ACTIVITY,
    NexusOperationActivities,
)
from workflow_shared_activities.nexus.endpoints import ensure_nexus_endpoint
from workflow_shared_activities.nexus.handlers import (
    OPERATION_ID_CONFLICT_POLICY,
    SharedOperationsHandler,
)
from workflow_shared_activities.nexus.workflows import (
    NEXUS_WORKFLOWS,
    SendEventOperation,
    SendNotificationOperation,
    UpdateFileStatusOperation,
)

__all__ = [
    "NEXUS_SEND_EVENT_ACTIVITY",
    "NEXUS_SEND_NOTIFICATION_ACTIVITY",
    "NEXUS_UPDATE_FILE_STATUS_ACTIVITY",
    "NEXUS_WORKFLOWS",
    "OPERATION_ID_CONFLICT_POLICY",
    "NexusOperationActivities",
    "SendEventOperation",
    "SendNotificationOperation",
    "SharedOperationsHandler",
    "UpdateFileStatusOperation",
    "ensure_nexus_endpoint",
]
