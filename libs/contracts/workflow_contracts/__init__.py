"""What workflow code imports to call the shared activities, and the contract they share.

Light on purpose: only the standard library and ``temporalio`` are imported, so this package
is safe to import inside Temporal's workflow sandbox (the plugin passes it through). The
helpers (`set_file_status`, `send_event`, `send_notification`, `run_file_stage`,
`call_activity`) call the activities by name, as regular or local activities (`ActivityMode`);
`describe_failure` reads a failure's typed error (`ErrorType`). The same names, results and the
file lifecycle (`FileStatus`, `TransitionGraph`) are what a worker in any SDK implements.

The error classes the activities raise (one per `ErrorType`) are in `workflow_contracts.errors`;
the notification contract in `workflow_contracts.notifications`.
"""

from workflow_contracts._calls import (
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    LOCAL_RETRY_THRESHOLD,
    LOCAL_TIMEOUT,
    FileStageResult,
    StageTimeouts,
    call_activity,
    describe_failure,
    run_file_stage,
    send_event,
    set_file_status,
)
from workflow_contracts._converter import DATA_CONVERTER
from workflow_contracts._envelope import EventEnvelope, TemporalContext
from workflow_contracts._modes import ActivityMode
from workflow_contracts._names import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY
from workflow_contracts._results import EventReceipt, StatusChange
from workflow_contracts._status import (
    DEFAULT_TRANSITIONS,
    FileStatus,
    TransitionGraph,
    is_transition_allowed,
    make_transition_graph,
)
from workflow_contracts.errors import ErrorType
from workflow_contracts.notifications import (
    SEND_NOTIFICATION_ACTIVITY,
    NotificationErrorType,
    NotificationReceipt,
    send_notification,
)

__all__ = [
    "DATA_CONVERTER",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TRANSITIONS",
    "LOCAL_RETRY_THRESHOLD",
    "LOCAL_TIMEOUT",
    "SEND_EVENT_ACTIVITY",
    "SEND_NOTIFICATION_ACTIVITY",
    "UPDATE_FILE_STATUS_ACTIVITY",
    "ActivityMode",
    "ErrorType",
    "EventEnvelope",
    "EventReceipt",
    "FileStageResult",
    "FileStatus",
    "NotificationErrorType",
    "NotificationReceipt",
    "StageTimeouts",
    "StatusChange",
    "TemporalContext",
    "TransitionGraph",
    "call_activity",
    "describe_failure",
    "is_transition_allowed",
    "make_transition_graph",
    "run_file_stage",
    "send_event",
    "send_notification",
    "set_file_status",
]
