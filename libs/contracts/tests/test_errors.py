import pytest
import workflow_contracts.errors as c
from temporalio.exceptions import ApplicationError

PERMANENT = [
    (c.InvalidEventError, "InvalidEvent"),
    (c.EventTooLargeError, "EventTooLarge"),
    (c.EventRejectedError, "EventRejected"),
    (c.InvalidArgumentsError, "InvalidArguments"),
    (c.FileAlreadyProcessingError, "FileAlreadyProcessing"),
    (c.InvalidFileIdError, "InvalidFileId"),
    (c.InvalidStatusError, "InvalidStatus"),
    (c.UnknownFileError, "FileNotFound"),
    (c.InvalidStatusTransitionError, "InvalidStatusTransition"),
]
TRANSIENT = [
    (c.EventPublishRetryableError, "EventPublishFailed"),
    (c.EventThrottledError, "EventThrottled"),
    (c.DatabaseUnavailableError, "DatabaseUnavailable"),
    (c.DatabaseConflictError, "DatabaseConflict"),
]
OPERATOR = [
    (c.EventBusNotFoundError, "EventBusNotFound"),
    (c.EventAccessDeniedError, "EventAccessDenied"),
    (c.SchemaNotMigratedError, "SchemaNotMigrated"),
    (c.DatabaseReadOnlyError, "DatabaseReadOnly"),
    (c.DatabaseAccessDeniedError, "DatabaseAccessDenied"),
    (c.UnknownStoredStatusError, "UnknownStoredStatus"),
    (c.UnsupportedArgumentsError, "UnsupportedArguments"),
]


@pytest.mark.parametrize(("cls", "type_"), PERMANENT)
def test_permanent_errors_are_non_retryable_application_errors(cls: type, type_: str) -> None:
    err = cls("bad thing", {"field": "x"})
    assert isinstance(err, ApplicationError)
    assert isinstance(err, c.SharedActivityError)
    assert err.type == type_
    assert err.non_retryable is True
    assert err.message == "bad thing"
    assert err.details == ({"field": "x"},)
    assert type_ in c.ErrorType.PERMANENT


@pytest.mark.parametrize(("cls", "type_"), TRANSIENT)
def test_transient_errors_stay_retryable(cls: type, type_: str) -> None:
    err = cls("try later")
    assert err.type == type_
    assert err.non_retryable is False
    assert type_ not in c.ErrorType.PERMANENT


def test_throttled_is_a_publish_failure_with_a_retry_hint() -> None:
    from datetime import timedelta

    err = c.EventThrottledError("slow down", next_retry_delay=timedelta(seconds=2))
    assert isinstance(err, c.EventPublishRetryableError)
    assert err.next_retry_delay == timedelta(seconds=2)


@pytest.mark.parametrize(("cls", "type_"), OPERATOR)
def test_operator_fixable_errors_retry_with_a_long_delay(cls: type, type_: str) -> None:
    err = cls("create the bus")
    assert err.type == type_
    assert err.non_retryable is False
    assert err.next_retry_delay == c.OPERATOR_RETRY_DELAY
    assert type_ not in c.ErrorType.PERMANENT
    from datetime import timedelta

    assert cls("x", next_retry_delay=timedelta(seconds=2)).next_retry_delay == timedelta(seconds=2)


def test_every_documented_type_is_permanent_or_retryable_once() -> None:
    permanent = {t for _, t in PERMANENT}
    retryable = {t for _, t in TRANSIENT} | {t for _, t in OPERATOR}
    assert permanent == set(c.ErrorType.PERMANENT)
    assert {t for _, t in OPERATOR} - {"UnsupportedArguments"} == set(c.ErrorType.OPERATOR_ACTION)
    assert not permanent & retryable


def test_messages_are_cut_to_stay_readable() -> None:
    err = c.DatabaseUnavailableError("x" * 5000)
    assert len(err.message) == c.MAX_ERROR_MESSAGE_CHARS
    assert err.message.endswith("...")
