"""Contracts shared by workflows and the shared activities.

Light on purpose: only the standard library and ``temporalio`` are imported, so this package
is safe to import inside Temporal's workflow sandbox without pass-through. That includes the
workflow-side helpers (`set_file_status`, `send_event`, `run_file_stage`, `call_activity`),
which call the activities by name, as regular or local activities (`ActivityMode`).
"""

from workflow_contracts import notifications as _notifications
from workflow_contracts.calls import (
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
from workflow_contracts.converter import DATA_CONVERTER
from workflow_contracts.envelope import EventEnvelope, TemporalContext
from workflow_contracts.errors import (
    MAX_ERROR_MESSAGE_CHARS,
    OPERATOR_RETRY_DELAY,
    DatabaseAccessDeniedError,
    DatabaseConflictError,
    DatabaseReadOnlyError,
    DatabaseUnavailableError,
    ErrorType,
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    EventTooLargeError,
    FileAlreadyProcessingError,
    InvalidArgumentsError,
    InvalidEventError,
    InvalidFileIdError,
    InvalidStatusError,
    InvalidStatusTransitionError,
    OperatorActionRequired,
    SchemaNotMigratedError,
    SharedActivityError,
    UnknownFileError,
    UnknownStoredStatusError,
    UnsupportedArgumentsError,
)
from workflow_contracts.execution import EXECUTION_ID_NAMESPACE, execution_id, execution_key
from workflow_contracts.json_types import json_type
from workflow_contracts.modes import ActivityMode
from workflow_contracts.names import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY
from workflow_contracts.notifications import *  # noqa: F403
from workflow_contracts.results import EventReceipt, StatusChange
from workflow_contracts.status import (
    DEFAULT_TRANSITIONS,
    FileStatus,
    TransitionGraph,
    is_transition_allowed,
    make_transition_graph,
)

__all__ = [
    "DATA_CONVERTER",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TRANSITIONS",
    "EXECUTION_ID_NAMESPACE",
    "LOCAL_RETRY_THRESHOLD",
    "LOCAL_TIMEOUT",
    "MAX_ERROR_MESSAGE_CHARS",
    "OPERATOR_RETRY_DELAY",
    "SEND_EVENT_ACTIVITY",
    "UPDATE_FILE_STATUS_ACTIVITY",
    "ActivityMode",
    "DatabaseAccessDeniedError",
    "DatabaseConflictError",
    "DatabaseReadOnlyError",
    "DatabaseUnavailableError",
    "ErrorType",
    "EventAccessDeniedError",
    "EventBusNotFoundError",
    "EventEnvelope",
    "EventPublishRetryableError",
    "EventReceipt",
    "EventRejectedError",
    "EventThrottledError",
    "EventTooLargeError",
    "FileAlreadyProcessingError",
    "FileStageResult",
    "FileStatus",
    "InvalidArgumentsError",
    "InvalidEventError",
    "InvalidFileIdError",
    "InvalidStatusError",
    "InvalidStatusTransitionError",
    "OperatorActionRequired",
    "SchemaNotMigratedError",
    "SharedActivityError",
    "StageTimeouts",
    "StatusChange",
    "TemporalContext",
    "TransitionGraph",
    "UnknownFileError",
    "UnknownStoredStatusError",
    "UnsupportedArgumentsError",
    "call_activity",
    "describe_failure",
    "execution_id",
    "execution_key",
    "is_transition_allowed",
    "json_type",
    "make_transition_graph",
    "run_file_stage",
    "send_event",
    "set_file_status",
]
__all__ += _notifications.__all__
