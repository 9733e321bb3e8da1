"""The benchmarks' telemetry switch: each mode records what it says, ``temporal`` none of ours.

The global tracer provider can be set once per process: this module sets it (replay-safe, as
the worker benchmark does) and no other test of this project reads it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from temporalio import activity
from temporalio.runtime import MetricBuffer, PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import ActivityEnvironment
from workflow_activity_kit import WorkerMetrics
from workflow_devstack import LOOPBACK
from workflow_devstack.instrumentation import SHARED_SPANS, Instrumentation


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def instr() -> Iterator[Instrumentation]:
    runtime = Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"{LOOPBACK}:{_free_port()}")
        )
    )
    made = Instrumentation(runtime, replay_safe=True)
    yield made
    made.shutdown()


_METRICS = WorkerMetrics(lambda meter: meter.create_counter("bench_probe", "a probe"))


@activity.defn
async def _recorded() -> bool:
    return _METRICS.metrics() is not None


async def _records_metrics(instr: Instrumentation) -> bool:
    env = ActivityEnvironment()
    env.metric_meter = instr.runtime.metric_meter
    return await env.run(_recorded)


def _recording(name: str) -> bool:
    span = trace.get_tracer("probe").start_span(name)
    recording = span.is_recording()
    span.end()
    return recording


@pytest.mark.parametrize(
    ("mode", "temporal_spans", "shared_spans", "shared_metrics"),
    [
        ("off", False, False, True),
        ("metrics+traces", True, True, True),
        ("temporal", True, False, False),
        ("metrics+traces+temporal", True, True, True),
    ],
)
async def test_each_mode_records_what_it_names(
    instr: Instrumentation,
    mode: str,
    temporal_spans: bool,
    shared_spans: bool,
    shared_metrics: bool,
) -> None:
    instr.set(mode)
    try:
        assert _recording("RunActivity:shared.send_event") is temporal_spans
        for name in SHARED_SPANS:
            assert _recording(name) is shared_spans
        assert await _records_metrics(instr) is shared_metrics
    finally:
        instr.set("off")


async def test_leaving_temporal_records_the_shared_metrics_again(instr: Instrumentation) -> None:
    instr.set("temporal")
    assert await _records_metrics(instr) is False
    instr.set("off")
    assert await _records_metrics(instr) is True


@pytest.mark.parametrize(("mode", "records"), [("temporal", False), ("metrics+traces", True)])
def test_a_publishers_call_metrics_follow_the_switch(
    instr: Instrumentation, mode: str, records: bool
) -> None:
    telemetry = pytest.importorskip("workflow_events._telemetry")
    buffer = MetricBuffer(100)
    meter = Runtime(telemetry=TelemetryConfig(metrics=buffer)).metric_meter
    instr.set(mode)
    try:
        telemetry.PublishTelemetry()._record(meter, 3, 0.002, "ok")
    finally:
        instr.set("off")
    recorded = {update.metric.name for update in buffer.retrieve_updates()}
    assert (recorded >= PUT_EVENTS_METRICS) is records
    assert not recorded or recorded == PUT_EVENTS_METRICS


PUT_EVENTS_METRICS = {
    "shared_put_events_calls",
    "shared_put_events_batch_size",
    "shared_put_events_latency",
}
