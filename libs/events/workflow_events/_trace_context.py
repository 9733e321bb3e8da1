"""The W3C trace context an event carries (``detail.trace``), and a consumer continuing it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from workflow_contracts._event_entry import MAX_TRACESTATE_CHARS

__all__ = ["caller_trace_context", "consuming_event"]

_TRACER = trace.get_tracer("workflow_events")
_NO_TRACE: tuple[dict[str, str] | None, str | None] = (None, None)
_XRAY_HEADER = "X-Amzn-Trace-Id"
_XRAY_CHECKED: tuple[object, bool] = (None, False)


def _stable_span_context() -> SpanContext | None:
    # The context the activity was called with, identical on every attempt: Temporal carries
    # it in the activity's headers. A tracing interceptor's per-attempt span (RunActivity) is
    # skipped for its remote parent, so every retry still sends byte-identical Detail.
    span = trace.get_current_span()
    context = span.get_span_context()
    if not context.is_valid:
        return None
    parent = getattr(span, "parent", None)
    if not context.is_remote and isinstance(parent, SpanContext) and parent.is_remote:
        return parent
    return context


def caller_trace_context() -> tuple[dict[str, str] | None, str | None]:
    """The caller's W3C trace context for ``detail.trace``, and the X-Ray ``TraceHeader``.

    Uses the application's configured propagators (W3C trace context by default): the
    ``traceparent`` (and a ``tracestate`` of at most `MAX_TRACESTATE_CHARS`) go into the
    envelope; an ``X-Amzn-Trace-Id`` (when the AWS X-Ray propagator is configured, e.g.
    ``OTEL_PROPAGATORS=tracecontext,baggage,xray``) becomes the entry's ``TraceHeader``.
    Baggage is never carried. Returns ``(None, None)`` when no trace is active.
    """
    span_context = _stable_span_context()
    if span_context is None:
        return _NO_TRACE
    # Formatted here rather than by the propagators: a tenth of the cost (a hot path).
    fields = {
        "traceparent": f"00-{span_context.trace_id:032x}-{span_context.span_id:016x}"
        f"-{span_context.trace_flags:02x}"
    }
    state = span_context.trace_state.to_header() if span_context.trace_state else ""
    if state and len(state) <= MAX_TRACESTATE_CHARS:
        fields["tracestate"] = state
    return fields, _xray_header(span_context)


def _xray_header(span_context: SpanContext) -> str | None:
    global _XRAY_CHECKED
    textmap = propagate.get_global_textmap()
    if _XRAY_CHECKED[0] is not textmap:  # the configured propagators, looked at once
        _XRAY_CHECKED = (textmap, _XRAY_HEADER in textmap.fields)
    if not _XRAY_CHECKED[1]:
        return None
    carrier: dict[str, str] = {}
    textmap.inject(carrier, context=trace.set_span_in_context(NonRecordingSpan(span_context)))
    return carrier.get(_XRAY_HEADER)


_W3C = TraceContextTextMapPropagator()


@contextmanager
def consuming_event(
    carrier: Mapping[str, str] | None, name: str, attributes: Mapping[str, str] | None = None
) -> Iterator[Span]:
    """A CONSUMER span continuing an event's trace (``detail.trace``), current inside.

    What runs inside (e.g. ``client.start_workflow`` with Temporal's tracing plugin) joins the
    emitter's trace, so one trace runs from the emitting workflow through the bus and the
    queue into what the event starts. Without a carrier (an event from an untraced worker)
    the span starts a trace of its own.

    Args:
        carrier: ``EventTrace.carrier()`` (``traceparent``, ``tracestate``), or None.
        name: The span's name, e.g. ``"evaluation-worker process file_ingested_successfully"``.
        attributes: Span attributes (event id, workflow id...).
    """
    parent = _W3C.extract(dict(carrier)) if carrier else None
    with _TRACER.start_as_current_span(
        name, context=parent, kind=SpanKind.CONSUMER, attributes=dict(attributes or {})
    ) as span:
        yield span
