"""Activities that answer every call themselves, whatever the caller sent on the wire.

Temporal decodes an activity's arguments with its type hints before the activity runs; a
value that does not fit (``null``, a number for a UUID, a lone surrogate, deep nesting, one
argument too many) then fails as a generic, *retryable* "Failed decoding arguments" or
``TypeError``, retried forever by the default policy. `wire_activity` registers the activity
with raw payloads instead (`temporalio.common.RawValue`), decodes each argument itself and
turns every problem into the activity's own typed error that names the argument.

Arguments evolve compatibly: a new argument is only ever added at the end, optional, so an
older caller keeps working with a newer worker. Hence:

- too few arguments: `InvalidArgumentsError`, non-retryable (no worker version accepts them);
- too many: `UnsupportedArgumentsError`, retryable with a long delay (a caller newer than the
  worker, during a rolling deploy: it succeeds once the worker is upgraded).

Temporal is shown the required parameters only, as `RawValue`s, so a call with exactly those
(every caller of the activity's first version) is decoded here, whatever it holds. A call with
optional trailing arguments, or with a wrong count, does not match: Temporal's SDK then decodes
the values with the worker's payload converter before this code runs, and a value that
converter cannot decode at all (invalid UTF-8, a lone surrogate for the Pydantic converter)
surfaces as the SDK's own retryable decoding failure.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, get_type_hints

from temporalio import activity
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.converter import DataConverter
from workflow_contracts.errors import (
    InvalidArgumentsError,
    SharedActivityError,
    UnsupportedArgumentsError,
)

__all__ = ["decode_argument", "wire_activity"]

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

_JSON = b"json/plain"
_NULL = b"binary/null"


def decode_argument(
    value: object, name: str, error: type[SharedActivityError] = InvalidArgumentsError
) -> object:
    """Returns an argument as plain Python data; a `RawValue` is decoded here.

    JSON (``json/plain``) is parsed by the standard library, so any valid JSON decodes (lone
    surrogates included; the activity's validation then rejects what it cannot accept).

    Raises:
        SharedActivityError: ``error``, naming the argument, when it is not decodable.
    """
    if not isinstance(value, RawValue):
        return value
    payload: Payload = value.payload
    encoding = payload.metadata.get("encoding", b"")
    try:
        if encoding == _NULL:
            return None
        if encoding == _JSON:
            return json.loads(payload.data.decode("utf-8"))
        return _payload_converter().from_payload(payload)
    except RecursionError:
        raise error(f"{name}: nested too deeply to decode", {"field": name}) from None
    except UnicodeDecodeError:
        raise error(f"{name}: not valid UTF-8", {"field": name}) from None
    except ValueError as err:
        raise error(f"{name}: not valid JSON ({err})", {"field": name}) from None
    except Exception as err:
        encoding_name = encoding.decode("ascii", "replace") or "none"
        raise error(
            f"{name}: cannot decode a payload of encoding {encoding_name!r} ({type(err).__name__})",
            {"field": name, "encoding": encoding_name},
        ) from None


def _payload_converter() -> Any:
    try:
        return activity.payload_converter()
    except RuntimeError:  # outside an activity (unit tests)
        return DataConverter.default.payload_converter


def wire_activity(
    name: str, *, errors: Mapping[str, type[SharedActivityError]] | None = None
) -> Callable[[F], F]:
    """Declares an activity method whose arguments are decoded and checked by the activity.

    Type checkers and Python callers see the method as written (typed parameters and
    result); Temporal registers a wrapper that takes one `RawValue` per parameter, decodes
    each with `decode_argument` (a failure raises ``errors[parameter]``) and checks the count.

    Args:
        name: The activity name on the wire.
        errors: The error type for each parameter that cannot be decoded
            (`InvalidArgumentsError` for those not listed).
    """
    errors = dict(errors or {})

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)
        self_param, *params = signature.parameters.values()
        names = [p.name for p in params]
        required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        expected = ", ".join(names)
        hints = get_type_hints(fn)

        @functools.wraps(fn)
        async def wrapper(self: Any, *args: Any) -> Any:
            if len(args) < required:
                raise InvalidArgumentsError(
                    f"{name} takes {required} arguments ({expected}), got {len(args)}",
                    {"expected": names, "received": len(args)},
                )
            if len(args) > len(names):
                raise UnsupportedArgumentsError(
                    f"{name} takes at most {len(names)} arguments ({expected}) on this worker,"
                    f" got {len(args)}: a caller newer than the worker? Upgrade the worker.",
                    {"expected": names, "received": len(args)},
                )
            values = [
                decode_argument(value, param, errors.get(param, InvalidArgumentsError))
                for value, param in zip(args, names, strict=False)
            ]
            return await fn(self, *values)

        # Temporal sees only the required parameters, each a RawValue: the usual call (every
        # caller of the first version) decodes here, whatever it holds. A call that also
        # passes optional trailing arguments (added later, see the module docstring) no
        # longer matches that count, so the SDK decodes its values before this wrapper.
        required_params = [p for p in params if p.default is inspect.Parameter.empty]
        raw_params: list[inspect.Parameter] = [
            self_param.replace(annotation=inspect.Parameter.empty)
        ]
        raw_params += [p.replace(annotation=RawValue) for p in required_params]
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=raw_params, return_annotation=hints.get("return", inspect.Parameter.empty)
        )
        annotations: dict[str, Any] = {p.name: RawValue for p in required_params}
        if "return" in hints:
            annotations["return"] = hints["return"]
        wrapper.__annotations__ = annotations
        del wrapper.__wrapped__  # Temporal must see the raw form, not the typed one
        return activity.defn(name=name)(wrapper)  # type: ignore[return-value]

    return decorate
