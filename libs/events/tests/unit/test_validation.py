"""Whatever arrives on the wire, SendEventActivity answers with a typed error or an event."""

import json
import math
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.testing import ActivityEnvironment
from workflow_contracts import ErrorType
from workflow_contracts._event_entry import MAX_DATA_DEPTH
from workflow_contracts.errors import (
    InvalidArgumentsError,
    InvalidEventError,
    SharedActivityError,
    UnsupportedArgumentsError,
)
from workflow_events import SendEventActivity
from workflow_events.testing import InMemoryPublisher


def raw(text: str | bytes, encoding: bytes = b"json/plain") -> RawValue:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return RawValue(Payload(metadata={"encoding": encoding}, data=data))


def nested(depth: int) -> str:
    """``data`` whose deepest container is at ``depth`` (data itself is level 1)."""
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def wire_form(activity: SendEventActivity) -> Callable[..., Awaitable[Any]]:
    """``run`` as the worker calls it: one raw payload per argument."""
    return activity.run


async def send(*args: object) -> tuple[InMemoryPublisher, Any]:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    return publisher, await ActivityEnvironment().run(wire_form(activity), *args)


@pytest.mark.parametrize(
    ("source", "event_type", "data", "field", "words"),
    [
        ('"\\ud800"', '"t"', "{}", "source", "lone surrogate"),
        ('"ok\\udfff"', '"t"', "{}", "source", "lone surrogate at index 2"),
        ('"s"', '"\\udc00x"', "{}", "event_type", "lone surrogate"),
        ('"s"', '"t"', '{"\\ud83d": 1}', "data key '\\ud83d'", "lone surrogate"),
        ('"s"', '"t"', '{"a": ["ok", "\\ud800"]}', "data['a'][1]", "lone surrogate"),
        ('"s"', '"t"', '{"a": {"b": "x\\udbff"}}', "data['a']['b']", "lone surrogate"),
        ("null", '"t"', "{}", "source", "got null"),
        ("3", '"t"', "{}", "source", "got number"),
        ("true", '"t"', "{}", "source", "got boolean"),
        ("{}", '"t"', "{}", "source", "got object"),
        ('"s"', "[]", "{}", "event_type", "got array"),
        ('"  "', '"t"', "{}", "source", "non-empty"),
        ('"s"', '"t"', "null", "data", "got null"),
        ('"s"', '"t"', "[1]", "data", "got array"),
        ('"s"', '"t"', '"text"', "data", "got string"),
        ('"s"', '"t"', "1.5", "data", "got number"),
        ('"s"', '"t"', '{"x": NaN}', "data['x']", "not valid JSON"),
        ('"s"', '"t"', '{"x": [Infinity]}', "data['x'][0]", "not valid JSON"),
        ('"s"', '"t"', '{"x": -Infinity}', "data['x']", "not valid JSON"),
        ('"s"', '"t"', nested(MAX_DATA_DEPTH + 1), "data", "deeper than 32"),
        ('"s"', '"t"', "[" * 900 + "]" * 900, "data", "got array"),
        ('"s"', '"t"', '{"a":' + "[" * 900 + "]" * 900 + "}", "data['a']", "deeper than"),
        ('"s"', '"t"', "[" * 100_000 + "]" * 100_000, "data", "nested too deeply"),
        ('"s"', '"t"', "{", "data", "not valid JSON"),
        (b'"\xff"', '"t"', "{}", "source", "not valid UTF-8"),
        ('"s"', '"' + "t" * 129 + '"', "{}", "event_type", "EventBridge allows 128"),
        ('"aws.events"', '"t"', "{}", "source", "reserved"),
    ],
)
async def test_a_bad_value_on_the_wire_is_a_permanent_invalid_event_naming_it(
    source: str | bytes, event_type: str, data: str, field: str, words: str
) -> None:
    publisher = InMemoryPublisher()
    activity = SendEventActivity(publisher)
    with pytest.raises(InvalidEventError) as caught:
        await ActivityEnvironment().run(
            wire_form(activity), raw(source), raw(event_type), raw(data)
        )
    err = caught.value
    assert err.type == ErrorType.INVALID_EVENT and err.non_retryable
    assert err.message.startswith(f"{field}"), err.message
    assert words in err.message, err.message
    assert err.details[0]["field"].startswith(field.split(" ")[0])
    assert publisher.attempts == 0


async def test_the_deepest_accepted_data_is_sent() -> None:
    publisher, receipt = await send(raw('"s"'), raw('"t"'), raw(nested(MAX_DATA_DEPTH)))
    assert receipt.event_id
    [detail] = publisher.details()
    depth, node = 1, detail["data"]
    while node:
        node, depth = node["a"], depth + 1
    assert depth == MAX_DATA_DEPTH


async def test_null_values_unicode_and_big_numbers_inside_data_are_fine() -> None:
    text = '{"n": null, "e": "é😀", "big": 123456789012345678901234567890, "f": 1e308}'
    publisher, _ = await send(raw('"s"'), raw('"t"'), raw(text))
    assert publisher.details()[0]["data"] == json.loads(text)


async def test_python_callers_are_validated_the_same_way() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop  # contains itself: never a RecursionError
    for data, words in [(loop, "deeper than"), ({"x": "\ud800"}, "lone surrogate")]:
        with pytest.raises(InvalidEventError) as caught:
            await send("s", "t", data)
        assert words in caught.value.message


async def test_too_few_arguments_are_permanent_and_too_many_wait_for_an_upgrade() -> None:
    with pytest.raises(InvalidArgumentsError) as few:
        await send(raw('"s"'), raw('"t"'))
    assert few.value.non_retryable and "source, event_type, data" in few.value.message
    with pytest.raises(UnsupportedArgumentsError) as many:
        await send(raw('"s"'), raw('"t"'), raw("{}"), raw("null"), raw("1"))
    assert not many.value.non_retryable


def random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(12 if depth < 40 else 8)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False])
    if pick == 2:
        return rng.randint(-(10**20), 10**20)
    if pick == 3:
        return rng.choice([0.5, -1e300, math.nan, math.inf, -math.inf])
    if pick in (4, 5, 6, 7):
        alphabet = ["a", "é", "😀", "\ud800", "\udfff", "\x00", '"', "\\", " "]
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(4)))
    if pick in (8, 9):
        return [random_json(rng, depth + 1) for _ in range(rng.randrange(3))]
    return {
        random_json(rng, 99) or "k": random_json(rng, depth + 1) for _ in range(rng.randrange(3))
    }


async def test_any_json_value_gives_an_event_or_a_typed_permanent_error() -> None:
    rng = random.Random(20261125)
    outcomes: set[str] = set()
    for _ in range(400):
        args = [random_json(rng) if rng.random() < 0.2 else "s", "t", random_json(rng)]
        if rng.random() < 0.7:
            args[2] = {"k": args[2]}
        wire = [
            raw(json.dumps(a, ensure_ascii=bool(rng.getrandbits(1)), allow_nan=True)) for a in args
        ]
        try:
            await send(*wire)
            outcomes.add("sent")
        except SharedActivityError as err:
            assert err.non_retryable, err
            assert err.type == ErrorType.INVALID_EVENT, err
            outcomes.add(err.message.split(":")[0].split("[")[0])
    assert {"sent", "source", "data"} <= outcomes
