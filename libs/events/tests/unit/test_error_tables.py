"""Every row of the two EventBridge error tables, on constructed botocore/aiohttp errors."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import aiohttp
import botocore.exceptions as bx
import pytest
from aiobotocore.response import AioReadTimeoutError
from botocore.retries import standard
from workflow_activity_kit.aws import THROTTLE_RETRY_DELAY
from workflow_contracts import TemporalContext
from workflow_contracts.errors import (
    OPERATOR_RETRY_DELAY,
    EventAccessDeniedError,
    EventBusNotFoundError,
    EventPublishRetryableError,
    EventRejectedError,
    EventThrottledError,
    SharedActivityError,
)
from workflow_events._entry import build_entry
from workflow_events._eventbridge import EventBridgeSender
from workflow_events._eventbridge_errors import (
    ENTRY_ERROR_TABLE,
    PUT_EVENTS_ERROR_TABLE,
    error_for_outcome,
    map_put_events_error,
)
from workflow_events._port import EntryOutcome

BUS = "orders-bus"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD" + "x" * 60


def client_error(code: str, status: int | None = 400, message: str = "m") -> bx.ClientError:
    meta: dict[str, Any] = {} if status is None else {"HTTPStatusCode": status}
    response: Any = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": meta}
    return bx.ClientError(response, "PutEvents")


def mapped(err: Exception, delay: timedelta = OPERATOR_RETRY_DELAY) -> SharedActivityError:
    return map_put_events_error(err, bus_name=BUS, operator_retry_delay=delay)


PERMANENT = {EventRejectedError}


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (client_error("ResourceNotFoundException"), EventBusNotFoundError),
        *(
            (client_error(code, 403), EventAccessDeniedError)
            for code in [
                "AccessDeniedException",
                "NotAuthorizedForSourceException",
                "UnrecognizedClientException",
                "InvalidSignatureException",
                "ExpiredToken",
                "ExpiredTokenException",
                "InvalidClientTokenId",
            ]
        ),
        *(
            (client_error(code), EventThrottledError)
            for code in [
                "ThrottlingException",
                "Throttling",
                "ThrottledException",
                "RequestThrottledException",
                "TooManyRequestsException",
                "RequestLimitExceeded",
                "LimitExceededException",
                "ProvisionedThroughputExceededException",
                "SlowDown",
            ]
        ),
        (client_error("Novel", 429), EventThrottledError),
        *(
            (client_error(code, 500), EventPublishRetryableError)
            for code in [
                "RequestTimeout",
                "RequestTimeoutException",
                "PriorRequestNotComplete",
                "InternalFailure",
                "InternalException",
                "ServiceUnavailable",
            ]
        ),
        (client_error("RequestTimeout", 408), EventPublishRetryableError),
        (client_error("Novel", 502), EventPublishRetryableError),
        (client_error("Novel", None), EventPublishRetryableError),
        (client_error("Novel", 400), EventRejectedError),
        (client_error("ValidationException", 400), EventRejectedError),
        (bx.NoCredentialsError(), EventAccessDeniedError),
        (bx.PartialCredentialsError(provider="env", cred_var="secret"), EventAccessDeniedError),
        (bx.CredentialRetrievalError(provider="sso", error_msg="x"), EventAccessDeniedError),
        (bx.TokenRetrievalError(provider="sso", error_msg="x"), EventAccessDeniedError),
        (bx.UnauthorizedSSOTokenError(), EventAccessDeniedError),
        (bx.ParamValidationError(report="Entries: bad"), EventRejectedError),
        (bx.NoRegionError(), EventRejectedError),
        (bx.EndpointConnectionError(endpoint_url="http://x"), EventPublishRetryableError),
        (bx.ConnectTimeoutError(endpoint_url="http://x"), EventPublishRetryableError),
        (bx.ReadTimeoutError(endpoint_url="http://x"), EventPublishRetryableError),
        (AioReadTimeoutError(endpoint_url="http://x"), EventPublishRetryableError),
        (bx.ConnectionClosedError(endpoint_url="http://x"), EventPublishRetryableError),
        (aiohttp.ServerDisconnectedError(), EventPublishRetryableError),
        (aiohttp.ClientPayloadError("cut"), EventPublishRetryableError),
        (TimeoutError(), EventPublishRetryableError),
        (ConnectionResetError(104, "reset"), EventPublishRetryableError),
        (RuntimeError("a bug in a driver"), EventPublishRetryableError),
    ],
    ids=lambda v: getattr(v, "__name__", None) or repr(v)[:60],
)
def test_a_failed_call_maps_to_our_error(err: Exception, expected: type) -> None:
    got = mapped(err)
    assert type(got) is expected
    assert got.non_retryable is (expected in PERMANENT)
    assert got.details[0]["bus_name"] == BUS
    code = err.response["Error"]["Code"] if isinstance(err, bx.ClientError) else type(err).__name__
    assert got.details[0]["error_code"] == code
    assert code in got.message
    if expected is EventThrottledError:
        assert got.next_retry_delay == THROTTLE_RETRY_DELAY
    elif issubclass(expected, (EventBusNotFoundError, EventAccessDeniedError)):
        assert got.next_retry_delay == OPERATOR_RETRY_DELAY
    else:
        assert got.next_retry_delay is None


def representative(match: object) -> Exception:
    if isinstance(match, str):
        return client_error(match)
    if isinstance(match, range):
        return client_error("Novel", match.start)
    if isinstance(match, int):
        return client_error("Novel", match or None)
    assert isinstance(match, type)
    if match is bx.ClientError:
        return client_error("Novel", 302)
    cls = cast(type[Exception], match)
    err = cls.__new__(cls)
    Exception.__init__(err, "x")
    return err


def test_no_row_is_shadowed_by_an_earlier_one() -> None:
    for row in PUT_EVENTS_ERROR_TABLE:
        for match in (*row.codes, *row.statuses, *row.types):
            assert type(mapped(representative(match))) is row.error, match


def test_the_table_covers_botocore_standard_retry_mode() -> None:
    transient = vars(standard.TransientRetryableChecker)["_TRANSIENT_ERROR_CODES"]
    throttled = vars(standard.ThrottledRetryableChecker)["_THROTTLED_ERROR_CODES"]
    statuses = vars(standard.TransientRetryableChecker)["_TRANSIENT_STATUS_CODES"]
    for code in transient:
        assert isinstance(mapped(client_error(code)), EventPublishRetryableError), code
    for code in throttled:
        want = EventPublishRetryableError if code in transient else EventThrottledError
        assert type(mapped(client_error(code))) is want, code
    for status in statuses:
        assert type(mapped(client_error("Novel", status))) is EventPublishRetryableError
    for cls in vars(standard.TransientRetryableChecker)["_TRANSIENT_EXCEPTION_CLS"]:
        assert type(mapped(representative(cls))) is EventPublishRetryableError, cls


def test_messages_name_the_fix() -> None:
    bus = mapped(client_error("ResourceNotFoundException", message="Event bus x does not exist."))
    assert f"create event bus {BUS!r}" in bus.message and "fix the bus name" in bus.message
    denied = mapped(client_error("AccessDeniedException", 400, "User: arn:x is not authorized"))
    assert "grant events:PutEvents" in denied.message and repr(BUS) in denied.message
    assert "User: arn:x is not authorized" in denied.message
    creds = mapped(bx.NoCredentialsError())
    assert "AWS credential chain" in creds.message and "NoCredentialsError" in creds.message
    rejected = mapped(client_error("ValidationException", 400, "Entries too long"))
    assert rejected.details[0] == {
        "error_code": "ValidationException",
        "error_message": "Entries too long",
        "http_status": 400,
        "bus_name": BUS,
    }


def test_no_credential_ever_reaches_the_error_or_the_log(caplog: pytest.LogCaptureFixture) -> None:
    secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    message = (
        "The request signature we calculated does not match the signature you provided."
        f"\n\nThe Canonical String for this request should have been\n'POST\n/\n"
        f"x-amz-security-token:{TOKEN}'"
    )
    with caplog.at_level(logging.WARNING):
        errors = [
            mapped(client_error("InvalidSignatureException", 403, message)),
            mapped(
                client_error(
                    "UnrecognizedClientException", 400, f"key AKIAIOSFODNN7EXAMPLE {secret_key}"
                )
            ),
            mapped(bx.CredentialRetrievalError(provider="process", error_msg=f"token {TOKEN}")),
        ]
    assert caplog.records and all(r.levelno == logging.WARNING for r in caplog.records)
    text = caplog.text + "".join(repr(e.message) + repr(e.details) for e in errors)
    for secret in (TOKEN[:30], secret_key, "AKIAIOSFODNN7EXAMPLE", "Canonical String"):
        assert secret not in text
    assert all(type(e) is EventAccessDeniedError for e in errors)


def test_the_operator_delay_is_configurable() -> None:
    two = timedelta(seconds=2)
    assert mapped(client_error("ResourceNotFoundException"), two).next_retry_delay == two
    assert mapped(bx.NoCredentialsError(), two).next_retry_delay == two
    assert mapped(client_error("ThrottlingException"), two).next_retry_delay == THROTTLE_RETRY_DELAY


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("ThrottlingException", EventThrottledError),
        ("InternalFailure", EventPublishRetryableError),
        ("AccessDeniedException", EventAccessDeniedError),
        ("NotAuthorizedForSourceException", EventAccessDeniedError),
        ("NotAuthorizedForDetailTypeException", EventAccessDeniedError),
        ("InvalidArgument", EventRejectedError),
        ("MalformedDetail", EventRejectedError),
        ("InvalidAccountIdException", EventRejectedError),
        ("RedactionFailure", EventRejectedError),
        ("SomethingNew", EventRejectedError),
        # No code at all is a malformed answer, not a refusal: retried (same event id).
        (None, EventPublishRetryableError),
        ("", EventPublishRetryableError),
    ],
)
def test_an_entry_code_maps_to_our_error(code: str | None, expected: type) -> None:
    err = error_for_outcome(
        EntryOutcome(error_code=code, error_message="why"),
        bus_name=BUS,
        operator_retry_delay=timedelta(seconds=5),
    )
    assert type(err) is expected
    assert err.non_retryable is (expected is EventRejectedError)
    assert err.details[0]["error_code"] == (code or "MalformedAnswer")
    if expected is EventAccessDeniedError:
        assert err.next_retry_delay == timedelta(seconds=5)
        assert f"grant events:PutEvents on bus {BUS!r}" in err.message


def test_every_entry_table_row_is_reached() -> None:
    for row in ENTRY_ERROR_TABLE:
        for code in row.codes:
            assert type(error_for_outcome(EntryOutcome(error_code=code))) is row.error


class FakeClient:
    def __init__(self, answer: Exception | dict[str, Any]) -> None:
        self.answer = answer

    async def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def one_entry() -> Any:
    entry, _ = build_entry(
        event_id="e1",
        source="s",
        event_type="t",
        data={},
        time=datetime(2026, 1, 1, tzinfo=UTC),
        context=TemporalContext("wf", "run", "1", 1),
    )
    return entry


async def test_the_sender_raises_our_error_from_none_with_its_operator_delay() -> None:
    delay = timedelta(seconds=7)
    sender = EventBridgeSender(
        FakeClient(client_error("ResourceNotFoundException")),  # type: ignore[arg-type]
        BUS,
        operator_retry_delay=delay,
    )
    with pytest.raises(EventBusNotFoundError) as caught:
        await sender.send_batch([one_entry()])
    assert caught.value.next_retry_delay == delay and not caught.value.non_retryable
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_the_sender_builds_each_failed_entry_s_error() -> None:
    answer = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "AccessDeniedException"}]}
    sender = EventBridgeSender(FakeClient(answer), BUS, operator_retry_delay=timedelta(seconds=9))  # type: ignore[arg-type]
    [outcome] = await sender.send_batch([one_entry()])
    assert isinstance(outcome.error, EventAccessDeniedError)
    assert outcome.error.next_retry_delay == timedelta(seconds=9)
    assert repr(BUS) in outcome.error.message


def test_the_operator_delay_must_be_positive() -> None:
    with pytest.raises(ValueError):
        EventBridgeSender(FakeClient({}), BUS, operator_retry_delay=timedelta(0))  # type: ignore[arg-type]


LONG_ARN = "arn:aws:events:us-east-1:123456789012:event-bus/" + "b" * 200


def test_a_long_bus_name_keeps_the_fix_whole_and_the_full_name_in_details() -> None:
    aws_message = f"Event bus {LONG_ARN} does not exist."
    err = map_put_events_error(
        client_error("ResourceNotFoundException", message=aws_message), bus_name=LONG_ARN
    )
    assert type(err) is EventBusNotFoundError
    assert len(err.message) <= 500
    assert "in this account and region, or fix the bus name the worker is configured with" in (
        err.message
    )
    assert LONG_ARN not in err.message  # shortened: head (account, region) ... tail (name)
    assert "arn:aws:events:us-east-1:123456789012:event-bus/" in err.message
    assert err.details[0]["bus_name"] == LONG_ARN


@pytest.mark.parametrize(
    "err",
    [
        client_error("AccessDeniedException", 400, "User: arn:x is not authorized"),
        client_error("ResourceNotFoundException", 400, "Event bus x does not exist."),
    ],
)
def test_the_bus_is_named_once_in_an_operator_message(err: Exception) -> None:
    got = map_put_events_error(err, bus_name=LONG_ARN)
    shown = got.message.count("...b")  # the shortened bus name
    assert shown == 1, got.message
    assert len(got.message) <= 500 and not got.message.endswith("...")


def test_a_long_bus_name_in_an_entry_error_keeps_the_fix() -> None:
    err = error_for_outcome(
        EntryOutcome(error_code="NotAuthorizedForSourceException", error_message="x" * 290),
        bus_name=LONG_ARN,
    )
    assert "grant events:PutEvents on bus 'arn:aws:events" in err.message
    assert "to the worker's AWS identity" in err.message
    assert len(err.message) <= 500


@pytest.mark.parametrize(
    "answer_entry",
    [{}, {"ErrorMessage": "no code"}, {"EventId": None}, {"EventId": ""}, {"ErrorCode": ""}],
    ids=["empty", "message-only", "null-id", "empty-id", "empty-code"],
)
async def test_an_entry_answered_without_event_id_or_code_is_retryable(
    answer_entry: dict[str, Any],
) -> None:
    answer = {"FailedEntryCount": 0, "Entries": [answer_entry]}
    sender = EventBridgeSender(FakeClient(answer), BUS)  # type: ignore[arg-type]
    [outcome] = await sender.send_batch([one_entry()])
    assert not outcome.ok
    assert type(outcome.error) is EventPublishRetryableError
    assert not outcome.error.non_retryable
    assert "malformed" in outcome.error.message
    assert outcome.error.details[0]["error_code"] == "MalformedAnswer"
