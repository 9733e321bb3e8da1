"""Both apps served as in production (tracing on, Prometheus on), real dev server, moto, PostgreSQL.

One run ingests a good file (its event starts the evaluation through EventBridge and SQS) and a
malformed one; then the spans, the scraped metrics, the log lines, the events and the workflow
histories are checked: one trace across the event hop, counts equal to what the run did, JSON
lines with trace ids, and no secret anywhere.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import evaluation_worker.settings as ev_settings
import ingestion_worker.settings as in_settings
import pytest
import pytest_asyncio
from evaluation_worker.consumer import evaluation_workflow_id
from evaluation_worker.worker import APP as EVALUATION
from evaluation_worker.workflows import EvaluationResult
from ingestion_worker.worker import APP as INGESTION
from ingestion_worker.worker import ingestion_workflow_id, start_ingestion
from ingestion_worker.workflows import IngestionResult
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, PostgresDatabase, free_port, make_route
from workflow_file_status import FileCreate
from workflow_shared_activities.app.files import open_repository

from tests.observability import (
    ancestors,
    captured_json_logs,
    json_lines,
    parse_prometheus,
    scrape,
    span_exporter,
    total,
    trace_of,
)

PASSWORD = f"pw-{uuid.uuid4().hex}"
SECRET_KEY = f"sk-{uuid.uuid4().hex}"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


@dataclass
class Run:
    ingestion: in_settings.Settings
    evaluation: ev_settings.Settings
    client: Client
    good: uuid.UUID
    bad: uuid.UUID
    evaluation_id: str
    logs: list[dict[str, Any]]
    log_text: str
    events: list[str]
    metrics: dict[str, str]


async def _drain(sqs: SQSClient, queue_url: str, want: int) -> list[str]:
    bodies: list[str] = []
    for _ in range(20):
        answer = await sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        bodies += [m.get("Body", "") for m in answer.get("Messages", [])]
        if len(bodies) >= want:
            break
    return bodies


@pytest_asyncio.fixture(scope="module")
async def run(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Run]:
    exporter = span_exporter()
    exporter.clear()
    hand_off = await make_route(
        events_client,
        sqs_client,
        {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
    )
    audit = await make_route(
        events_client,
        sqs_client,
        {"source": ["ingestion", "evaluation"]},
        bus_name=hand_off.bus_name,
    )
    # The database URL carries a password (trust auth ignores it); the AWS secret key is ours.
    url = postgres_database.sqlalchemy_url.replace("://postgres@", f"://postgres:{PASSWORD}@", 1)
    assert PASSWORD in url
    common: dict[str, Any] = {
        "_env_file": None,
        "worker_versioning": False,  # not about deployment versions (ingestion's test_versioning)
        "temporal_address": temporal_env.client.service_client.config.target_host,
        "aws_endpoint_url": moto_server.endpoint_url,
        "event_bus_name": hand_off.bus_name,
        "database_url": url,
        "migrate": True,
        "tracing": True,
        "graceful_shutdown_seconds": 2,
    }
    ingestion = in_settings.Settings(
        task_queue=f"in-{uuid.uuid4()}", metrics_port=free_port(), **common
    )
    evaluation = ev_settings.Settings(
        task_queue=f"ev-{uuid.uuid4()}",
        queue_url=hand_off.queue_url,
        metrics_port=free_port(),
        **common,
    )
    folder = tmp_path_factory.mktemp("files")
    (folder / "good.csv").write_text("a,b\n1,2\n3,4\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    stop = asyncio.Event()
    with captured_json_logs() as buffer:
        try:
            async with open_repository(ingestion) as repository:
                good = await repository.register_file(
                    FileCreate(name="good.csv", uri=str(folder / "good.csv"))
                )
                bad = await repository.register_file(
                    FileCreate(name="missing.csv", uri=str(folder / "missing.csv"))
                )
            servers = [
                asyncio.create_task(INGESTION.serve(ingestion, stop)),
                asyncio.create_task(EVALUATION.serve(evaluation, stop)),
            ]
            client = await INGESTION.connect(ingestion)  # as the CLI's `start`: traced
            ingested = await start_ingestion(client, ingestion, good.id)
            assert ingested.status is FileStatus.COMPLETED
            failed = await start_ingestion(client, ingestion, bad.id)
            assert failed.status is FileStatus.FAILED
            evaluation_id = evaluation_workflow_id(good.id, ingested.event_id or "")
            evaluated = await _evaluation(client, evaluation_id)
            assert evaluated.status is FileStatus.COMPLETED
            events = await _drain(sqs_client, audit.queue_url, 3)
            metrics = {
                "ingestion": await scrape(ingestion.metrics_port or 0),
                "evaluation": await scrape(evaluation.metrics_port or 0),
            }
            stop.set()
            await asyncio.gather(*servers)
        finally:
            stop.set()
            mp.undo()
    text = buffer.getvalue()
    yield Run(
        ingestion,
        evaluation,
        client,
        good.id,
        bad.id,
        evaluation_id,
        json_lines(text),
        text,
        events,
        metrics,
    )


async def _evaluation(client: Client, workflow_id: str) -> EvaluationResult:
    for _ in range(100):  # the consumer starts it once the event reaches the queue
        try:
            handle = client.get_workflow_handle(workflow_id, result_type=EvaluationResult)
            result: EvaluationResult = await handle.result()
            return result
        except Exception:
            await asyncio.sleep(0.2)
    raise AssertionError(f"{workflow_id} never ran")


async def test_one_trace_runs_from_ingestion_through_the_bus_and_queue_into_evaluation(
    run: Run,
) -> None:
    spans = list(span_exporter().get_finished_spans())
    [ingest] = [
        s
        for s in spans
        if s.name == "RunWorkflow:IngestFileWorkflow"
        and (s.attributes or {}).get("temporalWorkflowID") == ingestion_workflow_id(run.good)
    ]
    trace_id = trace_of(ingest)
    in_trace = [s for s in spans if trace_of(s) == trace_id]
    names = {s.name for s in in_trace}
    # The client's start is the root: the CLI's `start` begins the trace.
    assert "StartWorkflow:IngestFileWorkflow" in names
    # The PutEvents span of the success event, with its attributes.
    puts = [s for s in in_trace if s.name == "EventBridge.PutEvents"]
    assert puts, names
    put = puts[0].attributes or {}
    assert put["aws.eventbridge.bus"] == run.ingestion.event_bus_name
    assert put["workflow_events.outcome"] == "ok"
    assert put["messaging.batch.message_count"] >= 1  # type: ignore[operator]
    assert "RunActivity:shared.send_event" in ancestors(puts[0], spans)
    # The consumer continues the context carried in the event's envelope...
    [consume] = [s for s in in_trace if s.name == "consume file_ingested_successfully"]
    assert ancestors(consume, spans)[0] == "StartActivity:shared.send_event"
    # ...and the evaluation workflow, its status changes and its event are in the same trace.
    [evaluate] = [s for s in in_trace if s.name == "RunWorkflow:EvaluateFileWorkflow"]
    assert "consume file_ingested_successfully" in ancestors(evaluate, spans)
    changes = [
        s.attributes or {}
        for s in in_trace
        if s.name == "file_status.change"
        and "RunWorkflow:EvaluateFileWorkflow" in ancestors(s, spans)
    ]
    assert [
        (c["file_status.from"], c["file_status.to"], c["file_status.changed"]) for c in changes
    ] == [
        ("COMPLETED", "PROCESSING", True),
        ("PROCESSING", "COMPLETED", True),
    ]
    assert all(isinstance(c["file_status.version"], int) for c in changes)
    # The malformed file's ingestion is a trace of its own.
    [other] = [
        s
        for s in spans
        if s.name == "RunWorkflow:IngestFileWorkflow"
        and (s.attributes or {}).get("temporalWorkflowID") == ingestion_workflow_id(run.bad)
    ]
    assert trace_of(other) != trace_id


def test_each_event_carries_its_traceparent(run: Run) -> None:
    details = [json.loads(body)["detail"] for body in run.events]
    assert sorted(d["type"] for d in details) == [
        "evaluation_completed",
        "file_ingested_successfully",
        "file_ingestion_failed",
    ]
    for detail in details:
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]", detail["trace"]["traceparent"])


async def test_the_scraped_metrics_count_what_the_run_did(run: Run) -> None:
    ing = parse_prometheus(run.metrics["ingestion"])
    ev = parse_prometheus(run.metrics["evaluation"])
    published = "shared_events_published"
    assert total(ing, published, event_type="file_ingested_successfully", outcome="published") == 1
    assert total(ing, published, event_type="file_ingestion_failed", outcome="published") == 1
    assert total(ing, published) == 2
    assert total(ev, published, source="evaluation", event_type="evaluation_completed") == 1
    assert total(ev, published) == 1
    # Temporal's labels are on them: the worker's namespace, task queue and activity type.
    assert (
        total(
            ing,
            published,
            namespace="default",
            task_queue=run.ingestion.task_queue,
            activity_type="shared.send_event",
        )
        == 2
    )
    changes = "shared_status_changes"
    assert total(ing, changes, from_status="PENDING", to_status="PROCESSING") == 2
    assert total(ing, changes, from_status="PROCESSING", to_status="COMPLETED") == 1
    assert total(ing, changes, from_status="PROCESSING", to_status="FAILED") == 1
    assert total(ev, changes, from_status="COMPLETED", to_status="PROCESSING") == 1
    assert total(ev, changes, from_status="PROCESSING", to_status="COMPLETED") == 1
    for samples, events, statements in ((ing, 2, 4), (ev, 1, 2)):
        calls = total(samples, "shared_put_events_calls", outcome="ok")
        assert 1 <= calls <= events
        assert total(samples, "shared_put_events_calls") == calls
        assert total(samples, "shared_put_events_batch_size_sum") == events
        assert total(samples, "shared_put_events_batch_size_count") == calls
        assert total(samples, "shared_put_events_latency_count") == calls
        assert total(samples, "shared_db_latency_count", outcome="ok") == statements
        for zero in (
            "shared_status_noops",
            "shared_status_illegal_transitions",
            "shared_db_errors",
        ):
            assert total(samples, zero) == 0
        for zero in ("shared_events_throttled", "shared_events_rejected"):
            assert total(samples, zero) == 0


def test_log_lines_are_json_with_milliseconds_zone_trace_ids_and_extra_fields(run: Run) -> None:
    assert run.logs
    assert all(ISO_MS.match(line["time"]) for line in run.logs)
    published = [line for line in run.logs if line["message"] == "event published"]
    assert len(published) == 3
    for line in published:
        assert {"event_id", "event_source", "event_type", "workflow_id", "attempt"} <= set(line)
        assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])
        assert re.fullmatch(r"[0-9a-f]{16}", line["span_id"])
    [started] = [line for line in run.logs if line["message"] == "evaluation started"]
    assert started["workflow_id"] == run.evaluation_id
    [ingested] = [line for line in published if line["event_type"] == "file_ingested_successfully"]
    assert started["trace_id"] == ingested["trace_id"]  # the consumer logs inside the trace


async def test_no_secret_in_logs_events_errors_metrics_or_histories(run: Run) -> None:
    assert any("postgres:***@" in line.get("message", "") for line in run.logs)
    histories = []
    for workflow_id in (
        ingestion_workflow_id(run.good),
        ingestion_workflow_id(run.bad),
        run.evaluation_id,
    ):
        history = await run.client.get_workflow_handle(workflow_id).fetch_history()
        histories.append(history.to_json())
    failed = await run.client.get_workflow_handle(
        ingestion_workflow_id(run.bad), result_type=IngestionResult
    ).result()
    everything = "\n".join(
        [run.log_text, *run.events, *run.metrics.values(), *histories, str(failed)]
    )
    assert "file_ingestion_failed" in everything and failed.error_message
    assert PASSWORD not in everything
    assert SECRET_KEY not in everything
