"""Contracts shared by workflows and the shared activities.

Light on purpose: only the standard library and ``temporalio`` are imported, so this package
is safe to import inside Temporal's workflow sandbox without pass-through.
"""

from workflow_contracts.converter import DATA_CONVERTER
from workflow_contracts.envelope import EventEnvelope, TemporalContext
from workflow_contracts.errors import (
    DatabaseUnavailableError,
    ErrorType,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    EventTooLargeError,
    InvalidEventError,
    InvalidFileIdError,
    InvalidStatusError,
    InvalidStatusTransitionError,
    SharedActivityError,
    UnknownFileError,
)
from workflow_contracts.names import SEND_EVENT_ACTIVITY, UPDATE_FILE_STATUS_ACTIVITY
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
    "DEFAULT_TRANSITIONS",
    "SEND_EVENT_ACTIVITY",
    "UPDATE_FILE_STATUS_ACTIVITY",
    "DatabaseUnavailableError",
    "ErrorType",
    "EventBusNotFoundError",
    "EventEnvelope",
    "EventPublishRetryableError",
    "EventReceipt",
    "EventRejectedError",
    "EventThrottledError",
    "EventTooLargeError",
    "FileStatus",
    "InvalidEventError",
    "InvalidFileIdError",
    "InvalidStatusError",
    "InvalidStatusTransitionError",
    "SharedActivityError",
    "StatusChange",
    "TemporalContext",
    "TransitionGraph",
    "UnknownFileError",
    "is_transition_allowed",
    "make_transition_graph",
]
