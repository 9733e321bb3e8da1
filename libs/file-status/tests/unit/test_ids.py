import uuid

import pytest
from workflow_contracts import ErrorType, FileStatus
from workflow_contracts.errors import InvalidFileIdError, InvalidStatusError
from workflow_file_status._ids import parse_file_id, parse_status

UUID_TEXT = "123e4567-e89b-12d3-a456-426614174000"


def test_uuid_and_canonical_uuid_text_are_accepted() -> None:
    value = uuid.uuid4()
    assert parse_file_id(value) is value
    assert parse_file_id(str(value)) == value
    assert parse_file_id(UUID_TEXT.upper()) == uuid.UUID(UUID_TEXT)  # either case


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not-a-uuid",
        42,
        0,
        1.5,
        None,
        True,
        [UUID_TEXT],
        {"id": UUID_TEXT},
        "123e4567-e89b-12d3-a456-42661417400",  # one digit short
        UUID_TEXT.replace("-", ""),  # no hyphens
        "{" + UUID_TEXT + "}",  # braces
        "urn:uuid:" + UUID_TEXT,
        " " + UUID_TEXT,
        UUID_TEXT + "\n",
        "123e4567-e89b-12d3-a456-42661417400\ud800",  # a lone surrogate
        "\uff11\uff12\uff13e4567-e89b-12d3-a456-426614174000",  # fullwidth digits
        "g23e4567-e89b-12d3-a456-426614174000",
    ],
)
def test_anything_else_is_a_permanent_error_naming_file_id(bad: object) -> None:
    with pytest.raises(InvalidFileIdError) as info:
        parse_file_id(bad)
    assert info.value.type == ErrorType.INVALID_FILE_ID
    assert info.value.non_retryable
    assert info.value.message.startswith("file_id: ")
    assert info.value.details[0]["field"] == "file_id"
    info.value.message.encode("utf-8")  # printable and encodable, surrogates included


def test_the_message_says_what_was_received_briefly() -> None:
    cases = {
        42: "the number 42",
        None: "null",
        True: "the boolean true",
        "x" * 1000: "the string 'xxx",
        "\ud800": "the string '\\ud800'",
        (): "an array",
        (1,): "an array",
        "": "the string ''",
    }
    for value, words in cases.items():
        with pytest.raises(InvalidFileIdError) as info:
            parse_file_id(value)
        assert words in info.value.message, value
        assert len(info.value.message) < 250
    with pytest.raises(InvalidFileIdError) as info:
        parse_file_id({})
    assert "an object" in info.value.message and info.value.details[0]["received"] == "object"


def test_status_by_value_or_enum() -> None:
    assert parse_status("COMPLETED") is FileStatus.COMPLETED
    assert parse_status(FileStatus.FAILED) is FileStatus.FAILED


@pytest.mark.parametrize(
    "bad", ["completed", "Completed", "DONE", "", " PENDING", 1, None, True, ["PENDING"], {}]
)
def test_anything_else_is_a_permanent_error_naming_status(bad: object) -> None:
    with pytest.raises(InvalidStatusError, match="PENDING, PROCESSING, COMPLETED, FAILED") as info:
        parse_status(bad)
    assert info.value.non_retryable
    assert info.value.message.startswith("status: ")
    assert info.value.details[0]["allowed"] == ["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
