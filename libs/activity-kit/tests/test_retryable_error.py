"""An app activity's unexpected exception as a small, readable, retryable error."""

from workflow_activity_kit import retryable_error
from workflow_contracts.errors import MAX_ERROR_MESSAGE_CHARS


def test_keeps_the_class_as_type_and_stays_retryable() -> None:
    err = retryable_error(ConnectionResetError("peer went away"))
    assert err.type == "ConnectionResetError"
    assert err.message == "ConnectionResetError: peer went away"
    assert err.non_retryable is False


def test_a_long_message_is_cut_to_the_shared_limit() -> None:
    err = retryable_error(OSError("x" * 10 * MAX_ERROR_MESSAGE_CHARS))
    assert len(err.message) == MAX_ERROR_MESSAGE_CHARS
    assert err.message.startswith("OSError: xxx") and err.message.endswith("...")
