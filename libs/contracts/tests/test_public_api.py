"""The public names of workflow_contracts: a change here is a decision (and a changelog entry)."""

import importlib

import workflow_contracts
import workflow_contracts.errors
import workflow_contracts.notifications


def test_workflow_contracts_names() -> None:
    assert set(workflow_contracts.__all__) == {
        "ActivityMode",
        "DATA_CONVERTER",
        "DEFAULT_RETRY",
        "DEFAULT_TIMEOUT",
        "DEFAULT_TRANSITIONS",
        "ErrorType",
        "EventEnvelope",
        "EventReceipt",
        "FileStageResult",
        "FileStatus",
        "LOCAL_RETRY_THRESHOLD",
        "LOCAL_TIMEOUT",
        "NotificationErrorType",
        "NotificationReceipt",
        "SEND_EVENT_ACTIVITY",
        "SEND_NOTIFICATION_ACTIVITY",
        "StageTimeouts",
        "StatusChange",
        "TemporalContext",
        "TransitionGraph",
        "UPDATE_FILE_STATUS_ACTIVITY",
        "call_activity",
        "describe_failure",
        "is_transition_allowed",
        "make_transition_graph",
        "run_file_stage",
        "send_event",
        "send_notification",
        "set_file_status",
    }


def test_workflow_contracts_errors_names() -> None:
    assert set(workflow_contracts.errors.__all__) == {
        "DatabaseAccessDeniedError",
        "DatabaseConflictError",
        "DatabaseReadOnlyError",
        "DatabaseUnavailableError",
        "ErrorType",
        "EventAccessDeniedError",
        "EventBusNotFoundError",
        "EventPublishRetryableError",
        "EventRejectedError",
        "EventThrottledError",
        "EventTooLargeError",
        "FileAlreadyProcessingError",
        "InvalidArgumentsError",
        "InvalidEventError",
        "InvalidFileIdError",
        "InvalidStatusError",
        "InvalidStatusTransitionError",
        "MAX_ERROR_MESSAGE_CHARS",
        "OPERATOR_RETRY_DELAY",
        "OperatorActionRequired",
        "SchemaNotMigratedError",
        "SharedActivityError",
        "UnknownFileError",
        "UnknownStoredStatusError",
        "UnsupportedArgumentsError",
    }


def test_workflow_contracts_notifications_names() -> None:
    assert set(workflow_contracts.notifications.__all__) == {
        "InvalidNotificationError",
        "NOTIFICATION_ID_ATTRIBUTE",
        "NotificationAccessDeniedError",
        "NotificationErrorType",
        "NotificationFailedError",
        "NotificationReceipt",
        "NotificationRejectedError",
        "NotificationThrottledError",
        "NotificationTooLargeError",
        "NotificationTopicNotFoundError",
        "SEND_NOTIFICATION_ACTIVITY",
        "send_notification",
    }


def test_every_public_name_resolves_and_modules_are_private_otherwise() -> None:
    for module in [
        "workflow_contracts",
        "workflow_contracts.errors",
        "workflow_contracts.notifications",
    ]:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            assert getattr(mod, name) is not None, (module, name)
