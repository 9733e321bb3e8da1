import uuid

import pytest
from workflow_contracts import ErrorType, FileStatus, InvalidFileIdError, InvalidStatusError
from workflow_file_status import parse_file_id, parse_status


def test_uuid_and_uuid_string_are_accepted() -> None:
    value = uuid.uuid4()
    assert parse_file_id(value) is value
    assert parse_file_id(str(value)) == value


@pytest.mark.parametrize("bad", ["", "not-a-uuid", 42, None, "123e4567-e89b-12d3-a456-42661417400"])
def test_malformed_ids_are_permanent_errors(bad: object) -> None:
    with pytest.raises(InvalidFileIdError) as info:
        parse_file_id(bad)
    assert info.value.type == ErrorType.INVALID_FILE_ID
    assert info.value.non_retryable


def test_status_by_value_or_string() -> None:
    assert parse_status("COMPLETED") is FileStatus.COMPLETED
    assert parse_status(FileStatus.FAILED) is FileStatus.FAILED


@pytest.mark.parametrize("bad", ["completed", "DONE", 1, None])
def test_unknown_status_is_a_permanent_error(bad: object) -> None:
    with pytest.raises(InvalidStatusError, match="PENDING, PROCESSING, COMPLETED, FAILED"):
        parse_status(bad)
