"""Every event the sample apps send matches its committed schema and parses with the kit.

The real apps run here: the ingestion and evaluation workers on the Temporal dev server, the
events on moto's EventBridge, routed to SQS queues by rules, the evaluations started by the
evaluation app's consumer from the queue (so it reads real events with the kit too). Each
SQS message captured is validated against its app's ``schemas/<source>.<type>.json`` with
``jsonschema`` (formats checked), parsed with the apps' registries, and its ``data`` must
have exactly the fields of its model (a field added by an app without its model fails here).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import evaluation_worker.events as ev_events
import evaluation_worker.settings as ev_settings
import ingestion_worker.events as in_events
import ingestion_worker.settings as in_settings
import jsonschema  # type: ignore[import-untyped]  # moto's dependency, in the dev venv
from evaluation_worker.consumer import IngestionEventConsumer, MessageOutcome, Outcome
from evaluation_worker.worker import build_plugin as ev_plugin
from evaluation_worker.worker import build_worker as ev_worker
from evaluation_worker.workflows import EvaluationResult
from ingestion_worker.worker import build_plugin as in_plugin
from ingestion_worker.worker import build_worker as in_worker
from ingestion_worker.worker import start_ingestion
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import FileStatus
from workflow_devstack import MotoServer, make_route
from workflow_events.consumer import EventRegistry
from workflow_file_status import FileCreate
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import FILE_STATUS

APPS = Path(__file__).resolve().parents[3] / "apps"
SCHEMAS = {
    "ingestion": APPS / "ingestion-worker" / "schemas",
    "evaluation": APPS / "evaluation-worker" / "schemas",
}
# Each app owns the models of the events it sends; together, every event of the demo.
EVENT_TYPES = EventRegistry([*in_events.EVENTS, *ev_events.EVENTS])

FILES: dict[str, bytes | None] = {
    "good.csv": b"a,b\n1,2\n3,4\n",  # ingested, evaluation passed
    "poor.csv": b"a,b\n1,\n1,\n",  # ingested, evaluation completed but not passed
    "blob.bin": b"\x00\x01",  # ingested (kind bin, no rows), evaluation failed
    "malformed.csv": b"a,b\n1,2,3\n",  # ingestion failed (MalformedFile)
    "missing.csv": None,  # ingestion failed (FileMissing)
}
EXPECTED = Counter(
    {
        ("ingestion", "file_ingested_successfully"): 3,
        ("ingestion", "file_ingestion_failed"): 2,
        ("evaluation", "evaluation_completed"): 2,
        ("evaluation", "evaluation_failed"): 1,
    }
)


def validators() -> dict[tuple[str, str], Any]:
    found = {}
    for event_type in EVENT_TYPES:
        path = SCHEMAS[event_type.source] / f"{event_type.name}.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        found[(event_type.source, event_type.event_type)] = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
    return found


async def receive_bodies(sqs: SQSClient, queue_url: str, expected: int) -> list[str]:
    bodies: list[str] = []
    for _ in range(30):
        if len(bodies) >= expected:
            break
        response = await sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        for message in response.get("Messages", []):
            bodies.append(message.get("Body", ""))
            await sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


async def test_every_event_the_apps_send_matches_its_schema(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'files.db'}"
    await asyncio.to_thread(upgrade, database_url)
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
    common: dict[str, Any] = {
        "_env_file": None,
        "worker_versioning": False,  # not about deployment versions (ingestion's test_versioning)
        "temporal_address": temporal_env.client.service_client.config.target_host,
        "aws_endpoint_url": moto_server.endpoint_url,
        "aws_region": moto_server.region,
        "event_bus_name": hand_off.bus_name,
        "database_url": database_url,
    }
    ingestion = in_settings.Settings(task_queue=f"in-{uuid.uuid4()}", **common)
    evaluation = ev_settings.Settings(
        task_queue=f"ev-{uuid.uuid4()}", queue_url=hand_off.queue_url, **common
    )
    client = temporal_env.client
    plugin = in_plugin(ingestion)
    async with (
        in_worker(client, ingestion, plugin),
        ev_worker(client, evaluation, ev_plugin(evaluation)),
    ):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        registered = []
        for name, content in FILES.items():
            path = tmp_path / name
            if content is not None:
                path.write_bytes(content)
            registered.append(
                await plugin.resources[FILE_STATUS].register_file(
                    FileCreate(name=name, uri=str(path))
                )
            )
        ingested = await asyncio.gather(
            *(start_ingestion(client, ingestion, f.id) for f in registered)
        )
        assert [r.status for r in ingested] == [FileStatus.COMPLETED] * 3 + [FileStatus.FAILED] * 2

        consumer = IngestionEventConsumer(
            client, sqs_client, hand_off.queue_url, evaluation.task_queue
        )
        started: list[MessageOutcome] = []
        for _ in range(20):
            started += (await consumer.poll_once(wait_seconds=1)).outcomes
            if len(started) >= 3:
                break
        assert [o.outcome for o in started] == [Outcome.STARTED] * 3
        evaluated = [
            await client.get_workflow_handle(
                o.workflow_id or "", result_type=EvaluationResult
            ).result()
            for o in started
        ]
        assert sorted(r.status for r in evaluated) == sorted(
            [FileStatus.COMPLETED, FileStatus.COMPLETED, FileStatus.FAILED]
        )
        bodies = await receive_bodies(sqs_client, audit.queue_url, sum(EXPECTED.values()))

    check = validators()
    seen: Counter[tuple[str, str]] = Counter()
    for body in bodies:
        message = json.loads(body)
        event = EVENT_TYPES.parse(body)
        key = (event.detail.source, event.detail.type)
        seen[key] += 1
        errors = [e.message for e in check[key].iter_errors(message["detail"])]
        assert errors == [], (key, errors)
        event_type = EVENT_TYPES.get(*key)
        assert event_type is not None
        assert isinstance(event.detail.data, event_type.data_model)
        # Exactly the model's fields: an app that adds one must add it to the model too.
        assert set(message["detail"]["data"]) == set(event_type.data_model.model_fields), key
        assert event.detail.context.workflow_id and event.detail.context.namespace
    assert seen == EXPECTED
    assert {(t.source, t.event_type) for t in EVENT_TYPES} == set(EXPECTED)
