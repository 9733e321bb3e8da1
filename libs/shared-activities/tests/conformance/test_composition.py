"""The plugin composes: per-worker resources, the user's converter kept, split workers."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    JSONPlainPayloadConverter,
    PayloadCodec,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import DATA_CONVERTER, FileStatus
from workflow_devstack import MotoServer, Route, make_route
from workflow_events import EventSettings
from workflow_file_status import FILE_STATUS, FileCreate, FileStatusSettings
from workflow_file_status.migrate import upgrade
from workflow_shared_activities import SharedActivitiesConfig, SharedActivitiesPlugin
from workflow_shared_activities._plugin import compose_data_converter

from tests.workflows import ProcessWorkflow, RoutedWorkflow

ENCRYPTED = b"binary/encrypted"


class XorCodec(PayloadCodec):
    """A stand-in for an encrypting codec: the server must never see the payload in clear."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": ENCRYPTED},
                data=base64.b64encode(bytes(b ^ 0x5A for b in p.SerializeToString())),
            )
            for p in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            assert p.metadata["encoding"] == ENCRYPTED, "a payload reached us unencrypted"
            clear = Payload()
            clear.ParseFromString(bytes(b ^ 0x5A for b in base64.b64decode(p.data)))
            out.append(clear)
        return out


def config(route: Route, moto: MotoServer, db: Path) -> SharedActivitiesConfig:
    return SharedActivitiesConfig(
        events=EventSettings(bus_name=route.bus_name),
        file_status=FileStatusSettings(database_url=f"sqlite:///{db}"),
        aws_region=moto.region,
        aws_endpoint_url=moto.endpoint_url,
    )


def test_the_users_codec_failure_converter_and_storage_are_kept() -> None:
    user = DataConverter(
        payload_codec=XorCodec(),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
    composed = compose_data_converter(user)
    assert composed.payload_codec is user.payload_codec
    assert composed.failure_converter_class is DefaultFailureConverterWithEncodedAttributes
    assert composed.payload_converter_class is PydanticPayloadConverter
    assert composed.external_storage is user.external_storage
    assert compose_data_converter(None) is DATA_CONVERTER
    assert compose_data_converter(DATA_CONVERTER) is DATA_CONVERTER


async def test_a_conflicting_payload_converter_is_a_clear_error_at_start(
    temporal_env: WorkflowEnvironment,
) -> None:
    class Mine(JSONPlainPayloadConverter):
        pass

    from temporalio.converter import CompositePayloadConverter

    class MyConverter(CompositePayloadConverter):
        def __init__(self) -> None:
            super().__init__(Mine())

    plugin = SharedActivitiesPlugin(SharedActivitiesConfig(events=EventSettings(bus_name="b")))
    with pytest.raises(ValueError, match=r"Pydantic payload converter.*MyConverter"):
        await Client.connect(
            temporal_env.client.service_client.config.target_host,
            data_converter=DataConverter(payload_converter_class=MyConverter),
            plugins=[plugin],
        )


async def test_two_workers_of_one_client_run_and_stop_independently(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    db = tmp_path / "two.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    plugin = SharedActivitiesPlugin(config(route, moto_server, db))
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host, plugins=[plugin]
    )
    queue_a, queue_b = f"a-{uuid.uuid4()}", f"b-{uuid.uuid4()}"
    worker_a = Worker(client, task_queue=queue_a, workflows=[ProcessWorkflow])
    worker_b = Worker(client, task_queue=queue_b, workflows=[ProcessWorkflow])
    resources_a, resources_b = plugin.resources_for(worker_a), plugin.resources_for(worker_b)
    assert resources_a is not resources_b

    async def process(queue: str) -> str:
        file = await resources_b[FILE_STATUS].register_file(FileCreate(name="f.csv", uri="/f.csv"))
        receipt = await client.execute_workflow(
            ProcessWorkflow.run, file.id, id=f"two-{file.id}", task_queue=queue
        )
        final = await resources_b[FILE_STATUS].get_file(file.id)
        assert final is not None and final.status is FileStatus.COMPLETED
        return receipt.event_id

    async with worker_b:
        await asyncio.wait_for(resources_b.wait_until_open(), 10)
        async with worker_a:
            await asyncio.wait_for(resources_a.wait_until_open(), 10)
            first = await process(queue_a)
            second = await process(queue_b)
        # Worker A stopped and closed its clients; B keeps working on its own.
        with pytest.raises(RuntimeError, match="not running"):
            _ = resources_a[FILE_STATUS].repository
        third = await process(queue_b)
    # B's own shutdown closed cleanly (no exception above) and closed its clients.
    with pytest.raises(RuntimeError, match="not running"):
        _ = resources_b[FILE_STATUS].repository
    events = await route.receive(expected=3)
    assert sorted(e["detail"]["id"] for e in events) == sorted([first, second, third])


async def test_an_encrypting_codec_keeps_every_payload_encoded_on_the_server(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    db = tmp_path / "codec.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    plugin = SharedActivitiesPlugin(config(route, moto_server, db))
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        data_converter=DataConverter(payload_codec=XorCodec()),
        plugins=[plugin],
    )
    assert isinstance(client.data_converter.payload_codec, XorCodec)
    queue = f"codec-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[ProcessWorkflow]) as worker:
        resources = plugin.resources_for(worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        file = await resources[FILE_STATUS].register_file(
            FileCreate(name="pii.csv", uri="/pii.csv")
        )
        handle = await client.start_workflow(
            ProcessWorkflow.run, file.id, id=f"codec-{file.id}", task_queue=queue
        )
        receipt = await handle.result()
    # Read the history as the server holds it: every payload is encrypted.
    history = await handle.fetch_history()
    payloads: list[Payload] = []
    for item in history.events:
        if item.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            payloads.extend(item.activity_task_scheduled_event_attributes.input.payloads)
        if item.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            payloads.extend(item.activity_task_completed_event_attributes.result.payloads)
        if item.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            payloads.extend(item.workflow_execution_started_event_attributes.input.payloads)
    assert len(payloads) >= 7
    for payload in payloads:
        assert payload.metadata["encoding"] == ENCRYPTED
        assert str(file.id).encode() not in payload.data
        assert b"COMPLETED" not in payload.data
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id


async def test_activity_only_and_workflow_only_workers_split_the_work(
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    tmp_path: Path,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["tests"]})
    db = tmp_path / "split.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{db}")
    plugin = SharedActivitiesPlugin(config(route, moto_server, db))
    host = temporal_env.client.service_client.config.target_host
    workflow_client = await Client.connect(host, data_converter=DATA_CONVERTER)  # no plugin
    activity_queue, workflow_queue = f"act-{uuid.uuid4()}", f"wf-{uuid.uuid4()}"
    activity_worker = Worker(workflow_client, task_queue=activity_queue, plugins=[plugin])
    workflow_worker = Worker(workflow_client, task_queue=workflow_queue, workflows=[RoutedWorkflow])
    async with activity_worker, workflow_worker:
        resources = plugin.resources_for(activity_worker)
        await asyncio.wait_for(resources.wait_until_open(), 10)
        file = await resources[FILE_STATUS].register_file(FileCreate(name="s.csv", uri="/s.csv"))
        receipt = await workflow_client.execute_workflow(
            RoutedWorkflow.run,
            args=[file.id, activity_queue],
            id=f"split-{file.id}",
            task_queue=workflow_queue,
        )
        final = await resources[FILE_STATUS].get_file(file.id)
    assert final is not None and final.status is FileStatus.PROCESSING
    [event] = await route.receive(expected=1)
    assert event["detail"]["id"] == receipt.event_id
