from datetime import timedelta

import pytest
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)
from workflow_activity_kit import ErrorRow
from workflow_contracts.errors import OperatorActionRequired, SharedActivityError
from workflow_contracts.notifications import (
    NotificationAccessDeniedError,
    NotificationFailedError,
    NotificationRejectedError,
    NotificationThrottledError,
    NotificationTopicNotFoundError,
)
from workflow_notifications._sns_errors import PUBLISH_ERROR_TABLE, map_publish_error

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def client_error(code: str, status: int | None = 400, message: str = "m") -> ClientError:
    response: dict[str, object] = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "Publish")  # type: ignore[arg-type]


# One example per row, in table order: every row is reachable and maps as documented. SNS's
# own rows first, then the rows every AWS backend shares (workflow_activity_kit.aws).
EXAMPLES: list[tuple[Exception, type[SharedActivityError]]] = [
    (client_error("NotFound", 404), NotificationTopicNotFoundError),
    (client_error("AuthorizationError", 403), NotificationAccessDeniedError),
    (client_error("AccessDeniedException", 400), NotificationAccessDeniedError),
    (client_error("KMSDisabled", 400), NotificationAccessDeniedError),
    (client_error("InvalidParameter", 400), NotificationRejectedError),
    (client_error("Throttled", 400), NotificationThrottledError),
    (NoRegionError(), NotificationAccessDeniedError),
    (client_error("ExpiredToken", 403), NotificationAccessDeniedError),
    (client_error("InternalError", 500), NotificationFailedError),
    (client_error("ThrottlingException", 400), NotificationThrottledError),
    (NoCredentialsError(), NotificationAccessDeniedError),
    (ParamValidationError(report="bad"), NotificationRejectedError),
    (EndpointConnectionError(endpoint_url="http://x"), NotificationFailedError),
    (client_error("Unheard", 429), NotificationThrottledError),
    (client_error("Unheard", 503), NotificationFailedError),
    (client_error("Unheard", 404), NotificationRejectedError),
    (BotoCoreError(), NotificationRejectedError),
    (RuntimeError("surprise"), NotificationFailedError),
]


def test_every_row_has_an_example() -> None:
    assert len(EXAMPLES) == len(PUBLISH_ERROR_TABLE)


@pytest.mark.parametrize(
    ("row", "example"),
    list(zip(PUBLISH_ERROR_TABLE, EXAMPLES, strict=True)),
    ids=[f"row{i}-{type(e).__name__}" for i, (e, _) in enumerate(EXAMPLES)],
)
def test_each_row_maps_its_example(
    row: ErrorRow, example: tuple[Exception, type[SharedActivityError]]
) -> None:
    err, expected = example
    mapped = map_publish_error(err, topic_arn=TOPIC, operator_retry_delay=timedelta(seconds=7))
    assert type(mapped) is expected
    assert type(mapped) is row.error
    assert mapped.non_retryable is expected.permanent
    if isinstance(mapped, OperatorActionRequired):
        assert mapped.next_retry_delay == timedelta(seconds=7)
        assert TOPIC in mapped.message or "credential" in mapped.message
    if isinstance(mapped, NotificationThrottledError):
        assert mapped.next_retry_delay == timedelta(seconds=1)


def test_the_fix_is_named_and_secrets_are_removed() -> None:
    err = map_publish_error(
        client_error("NotFound", 404, "Topic does not exist AKIAABCDEFGHIJKLMNOP"), topic_arn=TOPIC
    )
    assert err.message.startswith(f"SNS Publish failed: the topic {TOPIC!r} does not exist: create")
    assert "AKIA" not in err.message
    assert err.details[0]["error_code"] == "NotFound"


def test_codes_win_over_statuses() -> None:
    assert isinstance(
        map_publish_error(client_error("NotFound", 400), topic_arn=TOPIC),
        NotificationTopicNotFoundError,
    )
    assert isinstance(
        map_publish_error(client_error("Throttled", 500), topic_arn=TOPIC),
        NotificationThrottledError,
    )
