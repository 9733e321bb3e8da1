"""The receiving side of our events: typed models, one parse function, one error, a dedup key.

What a consumer gets from EventBridge (through SQS, a Lambda trigger, an API destination...)
is the EventBridge event whose ``detail`` is our envelope. `WorkflowEvent` models it with the
fields of AWS Powertools' ``EventBridgeModel`` (``version``, ``id``, ``source``, ``account``,
``time``, ``region``, ``resources``, ``detail-type``, ``detail``, optional ``replay-name``),
``detail`` typed as `EventDetail` (our envelope) and generic over the ``data`` model:

    event = parse_event(message["Body"], FileIngestedData)   # WorkflowEvent[FileIngestedData]
    event.detail.data.file_id                                  # a UUID
    key = dedup_key(event)                                     # detail.id, stable across retries

(``FileIngestedData``: the model the producing app publishes, here the ingestion app's.)

Validation follows JSON's types strictly (as the exported JSON Schemas do: ``"3"`` is not an
integer, ``1`` is not a boolean), whether the body is text, bytes or an already decoded
mapping. Unknown fields are ignored everywhere (a tolerant reader: a producer may add fields
without breaking consumers), and any envelope version ``1.x`` is read. Whatever is wrong
becomes one `InvalidEventMessage` naming the field paths, what was expected and what came,
never the whole body.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Generic, Self, overload

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from typing_extensions import TypeVar
from workflow_activity_kit import json_type
from workflow_contracts import TemporalContext

from workflow_events._entry import build_entry

__all__ = [
    "SPEC_VERSION",
    "SPEC_VERSION_PATTERN",
    "EventContext",
    "EventDetail",
    "EventHeader",
    "EventProblem",
    "EventTrace",
    "InvalidEventMessage",
    "WorkflowEvent",
    "dedup_key",
    "make_event",
    "parse_event",
    "peek_event",
]

SPEC_VERSION: Final = "1.0"
"""The envelope version our producers write."""
SPEC_VERSION_PATTERN: Final = r"^1\.[0-9]+$"
"""The envelope versions this kit reads: any ``1.x`` (minor versions only add fields)."""

DataT = TypeVar("DataT", default=dict[str, Any])
D = TypeVar("D")

Body = str | bytes | bytearray | Mapping[str, Any]
"""What `parse_event` and `peek_event` take: JSON text, or the JSON object already decoded."""

_MAX_LISTED = 3  # problems spelled out in the message; the others are counted
_EXCERPT_CHARS = 40  # of a string value shown as "got ..."
_MAX_MESSAGE_CHARS = 600
_READ_CONFIG = ConfigDict(frozen=True, extra="ignore")


class EventContext(BaseModel):
    """The Temporal execution that emitted the event (detail.context).

    Every key is always present; workflow_id, run_id and workflow_type are null for a
    standalone activity (started by a client), activity_run_id is null inside a workflow.
    """

    model_config = _READ_CONFIG

    workflow_id: str | None
    run_id: str | None
    activity_id: str | None
    activity_run_id: str | None
    workflow_type: str | None
    namespace: str | None


class EventTrace(BaseModel):
    """The emitter's W3C trace context (detail.trace), present when its worker traces.

    Continue the trace with ``TraceContextTextMapPropagator().extract(trace.carrier())``.
    """

    model_config = _READ_CONFIG

    traceparent: str = Field(min_length=1, max_length=128)
    tracestate: str | None = Field(default=None, max_length=512)

    def carrier(self) -> dict[str, str]:
        """The context as a text-map carrier for an OpenTelemetry propagator."""
        out = {"traceparent": self.traceparent}
        if self.tracestate:
            out["tracestate"] = self.tracestate
        return out


class EventDetail(BaseModel, Generic[DataT]):
    """Our envelope, as carried in the EventBridge ``detail``.

    Attributes:
        id: The stable event id: every retry and every redelivery of one activity execution's
            event carries the same one. Deduplicate by it (`dedup_key`).
        source: The logical source (``ingestion``), without the bus prefix.
        type: The event type, equal to the EventBridge ``detail-type``.
        time: When the emitting activity was first scheduled (UTC).
        data: The payload: a JSON object, or the data model it was parsed into.
        context: The emitting Temporal execution.
        spec_version: The envelope version (``1.x``).
        trace: The emitter's W3C trace context, when its worker traces (else None).
    """

    model_config = _READ_CONFIG

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: AwareDatetime
    data: DataT
    context: EventContext
    spec_version: str = Field(pattern=SPEC_VERSION_PATTERN)
    trace: EventTrace | None = None

    @field_validator("trace", mode="wrap")
    @classmethod
    def _lenient_trace(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # Tracing never makes an event poison: a malformed trace context is dropped.
        try:
            return handler(value)
        except ValidationError:
            return None


class WorkflowEvent(BaseModel, Generic[DataT]):
    """An EventBridge event carrying one of our envelopes.

    The fields and aliases of AWS Powertools' ``EventBridgeModel``, so the same JSON parses
    with either; ``detail`` is typed (`EventDetail`). Built by name or by alias
    (``detail_type=`` or ``"detail-type"``); ``model_dump(mode="json", by_alias=True)`` gives
    the wire form back.

    Attributes:
        version: EventBridge's event version (``"0"``).
        id: EventBridge's own id: different on every PutEvents call, so **not** a dedup key.
        source: The bus ``Source``: the logical source, after a prefix when one is configured
            (``acme.data.ingestion``).
        account / region / resources / time: Where and when EventBridge received it.
            ``account`` may be absent (None): AWS always sets it, but moto's SQS delivery
            (the emulator of the tests and the demo) leaves it out.
        detail_type: The ``detail-type``: the event type.
        detail: Our envelope.
        replay_name: Set by EventBridge on an event replayed from an archive.
    """

    model_config = ConfigDict(
        frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True
    )

    version: str
    id: str
    source: str = Field(min_length=1)
    account: str | None = None
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type", min_length=1)
    detail: EventDetail[DataT]
    replay_name: str | None = Field(default=None, alias="replay-name")

    @model_validator(mode="after")
    def _detail_matches_the_bus_fields(self) -> Self:
        if self.detail.type != self.detail_type:
            raise ValueError(
                f"detail.type {_excerpt(self.detail.type)} differs from detail-type "
                f"{_excerpt(self.detail_type)}"
            )
        logical = self.detail.source
        if self.source != logical and not self.source.endswith(f".{logical}"):
            raise ValueError(
                f"source {_excerpt(self.source)} is neither detail.source "
                f"{_excerpt(logical)} nor a prefixed form of it"
            )
        return self


@dataclass(frozen=True)
class EventProblem:
    """One thing wrong with a message.

    Attributes:
        path: Where (``detail.data.file_id``, ``resources[0]``); ``""`` for the body itself.
        problem: What is expected there (``missing``, ``expected a valid integer``...).
        got: What came instead, shortened (``string 'nope'``), or None.
    """

    path: str
    problem: str
    got: str | None = None

    def __str__(self) -> str:
        text = f"{self.path}: {self.problem}" if self.path else self.problem
        return f"{text}, got {self.got}" if self.got else text


class InvalidEventMessage(ValueError):
    """A message that is not a valid workflow event; the only error of `parse_event`.

    The message lists the first problems (path, expected, got) and counts the others; it
    never holds the whole body. ``problems`` has them all; ``path`` is the first one's.
    """

    def __init__(self, problems: Sequence[EventProblem]) -> None:
        """Args: problems: What is wrong, at least one."""
        self.problems = tuple(problems) or (EventProblem("", "not a workflow event"),)
        listed = "; ".join(str(p) for p in self.problems[:_MAX_LISTED])
        more = len(self.problems) - _MAX_LISTED
        message = f"{listed} (+{more} more)" if more > 0 else listed
        if len(message) > _MAX_MESSAGE_CHARS:
            message = message[: _MAX_MESSAGE_CHARS - 3] + "..."
        super().__init__(message)

    @property
    def path(self) -> str:
        """Path of the first problem (``""`` for the body as a whole)."""
        return self.problems[0].path


@dataclass(frozen=True)
class EventHeader:
    """What kind of event a message holds, read before validating the rest (`peek_event`).

    Attributes:
        source: The bus ``Source``.
        detail_type: The ``detail-type``.
        body: The decoded JSON object, to hand on to `parse_event` without decoding it again.
    """

    source: str
    detail_type: str
    body: Mapping[str, Any]


class _Header(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: str = Field(min_length=1)
    detail_type: str = Field(alias="detail-type", min_length=1)


def _excerpt(value: str) -> str:
    if len(value) <= _EXCERPT_CHARS:
        return repr(value)
    return f"{value[:_EXCERPT_CHARS]!r}... ({len(value)} chars)"


def _describe(value: object) -> str:
    """A short description of a value (its JSON type, and the value when it is short)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        text = repr(value)
        return f"number {text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + '...'}"
    if isinstance(value, str):
        return f"string {_excerpt(value)}"
    if isinstance(value, Mapping):
        return f"object with {len(value)} key(s)"
    if isinstance(value, list | tuple):
        return f"array of {len(value)} item(s)"
    return json_type(value)


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _problem(error: ErrorDetails) -> EventProblem:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    path = _path(loc)
    if kind == "json_invalid":
        reason = error.get("ctx", {}).get("error", error["msg"])
        return EventProblem("", f"body is not JSON ({reason})")
    if not loc and kind in ("model_type", "model_attributes_type", "dict_type"):
        return EventProblem(
            "", f"body is a JSON {json_type(value)}, not an EventBridge event object"
        )
    if kind == "missing":
        return EventProblem(path, "missing")
    if kind == "value_error":
        return EventProblem(path, str(error.get("ctx", {}).get("error", error["msg"])))
    if kind == "string_pattern_mismatch" and loc[-1:] == ("spec_version",):
        return EventProblem(path, "unsupported envelope version: expected 1.x", _describe(value))
    message = error["msg"].replace("Input should be ", "expected ")
    message = message.replace("Input should have ", "expected ")
    return EventProblem(path, message, _describe(value))


def _invalid(err: ValidationError) -> InvalidEventMessage:
    return InvalidEventMessage([_problem(e) for e in err.errors(include_url=False)])


def _decode(body: object) -> Mapping[str, Any]:
    """The JSON object of a body (text, bytes or an already decoded mapping)."""
    if isinstance(body, Mapping):
        return body
    if not isinstance(body, str | bytes | bytearray):
        raise InvalidEventMessage(
            [EventProblem("", f"body is a {type(body).__name__}, not JSON text or an object")]
        )
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        reason = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        raise InvalidEventMessage([EventProblem("", f"body is not JSON ({reason})")]) from None
    if not isinstance(value, dict):
        raise InvalidEventMessage(
            [
                EventProblem(
                    "", f"body is a JSON {json_type(value)}, not an EventBridge event object"
                )
            ]
        )
    return value


def _as_json(body: object) -> str | bytes | bytearray:
    if isinstance(body, str | bytes | bytearray):
        return body
    if not isinstance(body, Mapping):
        raise InvalidEventMessage(
            [EventProblem("", f"body is a {type(body).__name__}, not JSON text or an object")]
        )
    try:
        # Through JSON so that a mapping and its text are validated by the same (JSON) rules.
        return json.dumps(body, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as err:
        raise InvalidEventMessage(
            [EventProblem("", f"body is not JSON data ({type(err).__name__}: {err})")]
        ) from None


def peek_event(body: Body) -> EventHeader:
    """Reads only ``source`` and ``detail-type``, to route a message before validating it.

    A consumer that handles some event types and ignores the others looks at the kind first,
    then calls `parse_event` with ``header.body`` for the events it handles.

    Raises:
        InvalidEventMessage: The body is not a JSON object, or has no non-empty ``source``
            or ``detail-type`` string.
    """
    obj = _decode(body)
    try:
        header = _Header.model_validate(obj, strict=True)
    except ValidationError as err:
        raise _invalid(err) from None
    return EventHeader(header.source, header.detail_type, obj)


@overload
def parse_event(body: Body) -> WorkflowEvent[dict[str, Any]]: ...
@overload
def parse_event(body: Body, data_model: type[D]) -> WorkflowEvent[D]: ...
def parse_event(body: Body, data_model: type[Any] | None = None) -> WorkflowEvent[Any]:
    """Validates one EventBridge event carrying our envelope.

    Args:
        body: The event: JSON text or bytes (an SQS message body), or the decoded object (a
            Lambda ``event``).
        data_model: The model of ``detail.data`` (a pydantic model, a dataclass, a
            TypedDict...); without it ``data`` stays a ``dict``. An `EventRegistry` of the
            producer's types picks the right one (``registry.parse(body)``).

    Returns:
        The event; ``event.detail.data`` is an instance of ``data_model`` when given.

    Raises:
        InvalidEventMessage: Not JSON, not an object, a field missing or of the wrong JSON
            type, an envelope version other than ``1.x``, ``detail.type`` not the
            ``detail-type``, ``data`` not matching ``data_model``... (every problem listed
            with its path, expected and got; never the whole body).
    """
    model: type[WorkflowEvent[Any]] = (
        WorkflowEvent if data_model is None else WorkflowEvent[data_model]  # type: ignore[valid-type]
    )
    try:
        return model.model_validate_json(_as_json(body), strict=True)
    except ValidationError as err:
        raise _invalid(err) from None


def dedup_key(event: WorkflowEvent[Any]) -> str:
    """The key to drop duplicate deliveries by: the envelope's id, ``detail.id``.

    It is the execution id of the activity that sent the event: every retry of that activity
    and every redelivery of the message carry the same one, and no two executions share one.
    EventBridge's own ``id`` is not a key: each PutEvents call (each retry) gets a new one.
    Use it as a `workflow_events.Deduplicator` key, or inside a Temporal workflow id (the
    evaluation consumer starts ``evaluate-<file id>-<dedup key>``).
    """
    return event.detail.id


_TEST_CONTEXT = TemporalContext(
    workflow_id="test-workflow",
    run_id="00000000-0000-4000-8000-000000000000",
    activity_id="1",
    attempt=1,
    workflow_type="TestWorkflow",
    namespace="default",
)


def make_event(
    source: str,
    event_type: str,
    data: Mapping[str, Any],
    *,
    event_id: str | None = None,
    time: datetime | None = None,
    context: TemporalContext | None = None,
    source_prefix: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
) -> dict[str, Any]:
    """An event exactly as EventBridge delivers ours, for consumers' tests and fixtures.

    ``detail`` is built by the producer's own code (`build_entry`), so it has the envelope
    our activity sends. Change the returned dict to make an invalid one.

    Args:
        source: Logical source.
        event_type: Event type (the ``detail-type``).
        data: The payload.
        event_id: ``detail.id`` (a random UUID when None).
        time: The event time (now when None).
        context: The emitting execution (a fixed test workflow when None).
        source_prefix: The bus source prefix, if the producer has one.
        account: The EventBridge account.
        region: The EventBridge region.
    """
    entry, _ = build_entry(
        event_id=event_id or str(uuid.uuid4()),
        source=source,
        event_type=event_type,
        data=data,
        time=time or datetime.now(UTC).replace(microsecond=0),
        context=context or _TEST_CONTEXT,
        source_prefix=source_prefix,
    )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry.detail_type,
        "source": entry.source,
        "account": account,
        "time": entry.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": json.loads(entry.detail),
    }
