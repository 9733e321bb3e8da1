import json
from uuid import uuid4

import pytest
import workflow_activity_kit as kit
import workflow_contracts.errors as c
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue, _type_hints_from_func
from workflow_contracts import StatusChange


def raw(data: bytes, encoding: bytes = b"json/plain") -> RawValue:
    return RawValue(Payload(metadata={"encoding": encoding}, data=data))


class Echo:
    @kit.wire_activity("test.echo", errors={"file_id": c.InvalidFileIdError})
    async def run(self, file_id: str, status: str, extra: int = 7) -> StatusChange:
        return (file_id, status, extra)  # type: ignore[return-value]


def test_temporal_sees_one_raw_value_per_parameter_and_the_typed_result() -> None:
    args, ret = _type_hints_from_func(Echo.run)
    # Only the required parameters: a call with exactly those decodes in the activity.
    assert args == [RawValue, RawValue]
    assert ret is StatusChange
    assert Echo.run.__temporal_activity_definition.name == "test.echo"  # type: ignore[attr-defined]


async def test_raw_json_is_decoded_and_python_values_pass_through() -> None:
    file_id = uuid4()
    got = await Echo().run(raw(json.dumps(str(file_id)).encode()), "PENDING")  # type: ignore[arg-type]
    assert got == (str(file_id), "PENDING", 7)  # type: ignore[comparison-overlap]
    assert await Echo().run(raw(b"", b"binary/null"), raw(b'"\\ud800"'), raw(b"3")) == (  # type: ignore[arg-type,comparison-overlap]
        None,
        "\ud800",
        3,
    )


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (raw(b"\xff\xfe"), "not valid UTF-8"),
        (raw(b"{"), "not valid JSON"),
        (raw(b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        (raw(b"\x00", b"binary/unknown"), "cannot decode"),
    ],
)
async def test_an_undecodable_argument_is_the_parameter_s_own_typed_error(
    payload: RawValue, words: str
) -> None:
    with pytest.raises(c.InvalidFileIdError) as caught:
        await Echo().run(payload, "PENDING")  # type: ignore[arg-type]
    assert words in caught.value.message
    assert caught.value.message.startswith("file_id:")
    assert caught.value.non_retryable


async def test_too_few_arguments_are_permanent_and_too_many_retryable() -> None:
    with pytest.raises(c.InvalidArgumentsError) as few:
        await Echo().run("a")  # type: ignore[call-arg]
    assert few.value.non_retryable
    assert "file_id, status, extra" in few.value.message
    with pytest.raises(c.UnsupportedArgumentsError) as many:
        await Echo().run("a", "b", 1, 2)  # type: ignore[call-arg]
    assert not many.value.non_retryable
    assert many.value.next_retry_delay == c.OPERATOR_RETRY_DELAY
