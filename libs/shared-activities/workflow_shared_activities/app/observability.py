"""The apps' metrics endpoint and tracing, from their settings (``<PREFIX>METRICS_PORT``...)."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from temporalio.plugin import SimplePlugin
from temporalio.runtime import Runtime

from workflow_shared_activities.app.settings import AppSettings
from workflow_shared_activities.telemetry import prometheus_runtime, tracing_plugin

__all__ = ["JsonLinesSpanExporter", "client_plugins", "configure_tracing", "metrics_runtime"]

logger = logging.getLogger(__name__)


def metrics_runtime(settings: AppSettings) -> Runtime | None:
    """A runtime serving Prometheus metrics on ``metrics_host:metrics_port``; None when unset."""
    if settings.metrics_port is None:
        return None
    return prometheus_runtime(f"{settings.metrics_host}:{settings.metrics_port}")


def client_plugins(settings: AppSettings) -> list[SimplePlugin]:
    """Temporal's OpenTelemetry plugin when ``tracing`` is on (with Temporal's own spans)."""
    return [tracing_plugin(add_temporal_spans=True)] if settings.tracing else []


def _hex(value: int, width: int) -> str:
    return format(value, f"0{width}x")


def _json_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, Sequence) else [str(value)]


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One finished span as a JSON-ready dict (ids in W3C hex, times in epoch nanoseconds)."""
    context = span.get_span_context()
    assert context is not None  # a finished SDK span always has one
    return {
        "name": span.name,
        "service": span.resource.attributes.get("service.name"),
        "trace_id": _hex(context.trace_id, 32),
        "span_id": _hex(context.span_id, 16),
        "parent_span_id": _hex(span.parent.span_id, 16) if span.parent else None,
        "kind": span.kind.name,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "status": span.status.status_code.name,
        "attributes": {
            k: v if isinstance(v, str | int | float | bool) else _json_list(v)
            for k, v in (span.attributes or {}).items()
        },
        "links": [
            {"trace_id": _hex(link.context.trace_id, 32), "span_id": _hex(link.context.span_id, 16)}
            for link in span.links
        ],
    }


class JsonLinesSpanExporter(SpanExporter):
    """Appends finished spans to a file, one JSON object per line (local runs, pictures)."""

    def __init__(self, path: str | Path) -> None:
        """Args: path: The file (created; appended to)."""
        self._path = Path(path)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Writes the spans."""
        lines = "".join(json.dumps(span_record(span)) + "\n" for span in spans)
        with self._lock, self._path.open("a", encoding="utf-8") as out:
            out.write(lines)
        return SpanExportResult.SUCCESS


def configure_tracing(settings: AppSettings, service_name: str) -> None:
    """Sets the global tracer provider for an app with ``tracing`` on (once per process).

    A provider the process already set (an SDK one: yours, or a test's) is kept, with the
    ``trace_file`` exporter added to it. Otherwise a replay-safe provider
    (``create_tracer_provider``) named ``service_name`` is set, exporting to ``trace_file``
    and, when ``opentelemetry-exporter-otlp`` is installed and ``OTEL_EXPORTER_OTLP_ENDPOINT``
    is set, over OTLP.
    """
    if not settings.tracing:
        return
    add_processor = getattr(trace.get_tracer_provider(), "add_span_processor", None)
    if add_processor is None:
        from temporalio.contrib.opentelemetry import create_tracer_provider

        provider = create_tracer_provider(resource=Resource.create({"service.name": service_name}))
        _add_otlp(provider)
        trace.set_tracer_provider(provider)
        add_processor = provider.add_span_processor
    if settings.trace_file:
        add_processor(
            BatchSpanProcessor(
                JsonLinesSpanExporter(settings.trace_file), schedule_delay_millis=500
            )
        )


def _add_otlp(provider: Any) -> None:
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )
    except ImportError:
        logger.warning(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but opentelemetry-exporter-otlp is not installed"
        )
        return
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
