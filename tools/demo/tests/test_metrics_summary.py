"""The demo's metrics summary, on the text a real Temporal Prometheus runtime serves."""

from __future__ import annotations

import asyncio

from workflow_demo.metrics_summary import metrics_summary
from workflow_devstack import free_port
from workflow_shared_activities.telemetry import prometheus_runtime


async def test_the_summary_reads_what_a_runtime_exports() -> None:
    port = free_port()
    runtime = prometheus_runtime(f"127.0.0.1:{port}")
    meter = runtime.metric_meter.with_additional_attributes(
        {"namespace": "default", "task_queue": "q", "activity_type": "shared.send_event"}
    )
    published = meter.create_counter("shared_events_published")
    published.add(3, {"source": "ingestion", "event_type": "a", "outcome": "published"})
    published.add(1, {"source": "ingestion", "event_type": "a", "outcome": "EventThrottled"})
    meter.create_counter("shared_events_throttled").add(1, {"error_code": "ThrottlingException"})
    meter.create_counter("shared_put_events_calls").add(2, {"outcome": "ok"})
    sizes = meter.create_histogram("shared_put_events_batch_size")
    sizes.record(3)
    sizes.record(1)
    # As the activities record them: float milliseconds.
    latency = meter.create_histogram_float("shared_put_events_latency", unit="ms")
    latency.record(4.0)
    latency.record(40.5)
    changes = meter.create_counter("shared_status_changes")
    changes.add(2, {"from_status": "PENDING", "to_status": "PROCESSING"})
    changes.add(1, {"from_status": "PROCESSING", "to_status": "COMPLETED"})
    meter.create_counter("shared_status_noops").add(1, {"status": "COMPLETED"})
    meter.create_histogram_float("shared_db_latency", unit="ms").record(0.4, {"outcome": "ok"})
    url = f"http://127.0.0.1:{port}/metrics"
    lines = await asyncio.to_thread(metrics_summary, {"ingestion": url})
    assert lines == [
        "ingestion: events published 3, failed 1 (throttled 1, rejected 0); 2 PutEvents calls,"
        " mean batch 2.0, latency mean 22.2 ms, p50 <=5 ms, p95 <=50 ms",
        "ingestion: status changes 3 (PENDING->PROCESSING 2, PROCESSING->COMPLETED 1); no-ops 1,"
        " illegal 0; database mean 0.400 ms, p50 <=0.5 ms, p95 <=0.5 ms, errors 0",
    ]


def test_a_worker_without_an_endpoint_gets_a_line_not_an_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/metrics"
    [line] = metrics_summary({"evaluation": url}, timeout=0.5)
    assert line.startswith(f"evaluation: metrics unavailable at {url}")
