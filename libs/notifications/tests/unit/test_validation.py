from typing import Any

import pytest
from workflow_contracts.notifications import InvalidNotificationError, NotificationTooLargeError
from workflow_notifications._sns import publish_arguments
from workflow_notifications._validation import MAX_MESSAGE_BYTES, build_request

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
FIFO = "arn:aws:sns:us-east-1:123456789012:alerts.fifo"
NID = "2f1e0c9a-0000-5000-8000-000000000001"


def build(**kwargs: Any) -> Any:
    args: dict[str, Any] = {"topic_arn": TOPIC, "subject": "File failed", "message": "body"}
    args.update(kwargs)
    return build_request(NID, **args)


def test_a_valid_request_carries_the_id_as_an_attribute() -> None:
    request = build(attributes={"file_id": "f1", "kind": "csv"})
    assert request.attributes == (("file_id", "f1"), ("kind", "csv"), ("notification_id", NID))
    arguments = publish_arguments(request)
    assert arguments["MessageAttributes"]["notification_id"]["StringValue"] == NID
    assert "MessageDeduplicationId" not in arguments and "MessageGroupId" not in arguments


def test_a_fifo_request_deduplicates_by_the_execution_id() -> None:
    arguments = publish_arguments(build(topic_arn=FIFO, group_id="file-1"))
    assert arguments["MessageDeduplicationId"] == NID
    assert arguments["MessageGroupId"] == "file-1"


def test_subject_may_be_null_and_up_to_100_characters() -> None:
    assert build(subject=None).subject is None
    assert build(subject="x" * 100).subject == "x" * 100
    assert build(subject="A!~ z").subject == "A!~ z"


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("topic-null-is-not-a-string-here", {"topic_arn": 1}, "topic_arn"),
    ("topic-not-an-arn", {"topic_arn": "alerts"}, "topic_arn"),
    ("topic-sqs-arn", {"topic_arn": "arn:aws:sqs:us-east-1:123456789012:q"}, "topic_arn"),
    ("subject-101", {"subject": "x" * 101}, "subject"),
    ("subject-newline", {"subject": "a\nb"}, "subject"),
    ("subject-cr", {"subject": "a\rb"}, "subject"),
    ("subject-leading-space", {"subject": " a"}, "subject"),
    ("subject-leading-tab", {"subject": "\ta"}, "subject"),
    ("subject-non-ascii", {"subject": "café"}, "subject"),
    ("subject-empty", {"subject": ""}, "subject"),
    ("subject-number", {"subject": 3}, "subject"),
    ("message-empty", {"message": ""}, "message"),
    ("message-null", {"message": None}, "message"),
    ("message-surrogate", {"message": "\ud800"}, "message"),
    ("message-control", {"message": "a\x00b"}, "message"),
    ("attributes-list", {"attributes": ["a"]}, "attributes"),
    ("attribute-number", {"attributes": {"a": 1}}, "attributes.a"),
    ("attribute-empty-value", {"attributes": {"a": ""}}, "attributes.a"),
    ("attribute-bad-name", {"attributes": {"a b": "x"}}, "attributes"),
    ("attribute-aws-prefix", {"attributes": {"AWS.x": "x"}}, "attributes"),
    ("attribute-amazon-prefix", {"attributes": {"amazon.x": "x"}}, "attributes"),
    ("attribute-double-period", {"attributes": {"a..b": "x"}}, "attributes"),
    ("attribute-leading-period", {"attributes": {".a": "x"}}, "attributes"),
    ("attribute-reserved", {"attributes": {"notification_id": "x"}}, "notification_id"),
    ("attributes-too-many", {"attributes": {f"a{i}": "x" for i in range(10)}}, "at most 9"),
    ("fifo-without-group", {"topic_arn": FIFO}, "group_id"),
    ("group-on-standard", {"group_id": "g"}, "group_id"),
    ("group-too-long", {"topic_arn": FIFO, "group_id": "g" * 129}, "group_id"),
    ("group-space", {"topic_arn": FIFO, "group_id": "a b"}, "group_id"),
]


@pytest.mark.parametrize(("case", "kwargs", "names"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_is_a_non_retryable_error_naming_it(
    case: str, kwargs: dict[str, Any], names: str
) -> None:
    with pytest.raises(InvalidNotificationError) as raised:
        build(**kwargs)
    assert raised.value.non_retryable is True
    assert names in raised.value.message, case


def test_the_size_limit_counts_message_and_attributes() -> None:
    overhead = len("notification_id") + len("String") + len(NID)
    build(message="x" * (MAX_MESSAGE_BYTES - overhead))
    with pytest.raises(NotificationTooLargeError) as raised:
        build(message="x" * (MAX_MESSAGE_BYTES - overhead - 1), attributes={"a": "xx"})
    assert raised.value.non_retryable is True
    with pytest.raises(NotificationTooLargeError):
        build(message="é" * (MAX_MESSAGE_BYTES // 2))  # two bytes each in UTF-8
