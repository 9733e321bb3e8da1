"""The JSON log formatter (python-json-logger): every extra field, ms + zone, trace ids."""

from __future__ import annotations

import json
import logging
import re

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from workflow_shared_activities._runtime import JsonLogFormatter


def line(record: logging.LogRecord) -> dict[str, object]:
    out: dict[str, object] = json.loads(JsonLogFormatter().format(record))
    return out


def make(message: str, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("app.x", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_every_extra_field_is_kept_with_an_iso_time_in_ms_and_zone() -> None:
    out = line(make("hello", file_id="f1", attempt=2, temporal_activity={"activity_id": "1"}))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(out["time"]))
    assert out["level"] == "WARNING" and out["logger"] == "app.x" and out["message"] == "hello"
    assert out["file_id"] == "f1" and out["attempt"] == 2
    assert out["temporal_activity"] == {"activity_id": "1"}
    assert "trace_id" not in out  # no span active


def test_a_line_inside_a_span_carries_its_trace_and_span_ids() -> None:
    context = SpanContext(0xABC, 0x123, is_remote=False, trace_flags=TraceFlags(1))
    with trace.use_span(NonRecordingSpan(context)):
        out = line(make("inside"))
    assert out["trace_id"] == f"{0xABC:032x}" and out["span_id"] == f"{0x123:016x}"
