import pytest
import workflow_contracts as c
from temporalio.exceptions import ApplicationError

PERMANENT = [
    (c.InvalidEventError, "InvalidEvent"),
    (c.EventTooLargeError, "EventTooLarge"),
    (c.EventRejectedError, "EventRejected"),
    (c.EventBusNotFoundError, "EventBusNotFound"),
    (c.InvalidFileIdError, "InvalidFileId"),
    (c.InvalidStatusError, "InvalidStatus"),
    (c.UnknownFileError, "FileNotFound"),
    (c.InvalidStatusTransitionError, "InvalidStatusTransition"),
]
TRANSIENT = [
    (c.EventPublishRetryableError, "EventPublishFailed"),
    (c.EventThrottledError, "EventThrottled"),
    (c.DatabaseUnavailableError, "DatabaseUnavailable"),
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
