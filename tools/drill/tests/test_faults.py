"""The fault proxy in front of EventBridge: each fault as botocore sees it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aioboto3
import pytest
import pytest_asyncio
from botocore.exceptions import ClientError
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, free_port, make_route
from workflow_drill.faults import FaultPlan, FaultProxy


@pytest_asyncio.fixture
async def proxy(moto_server: MotoServer) -> AsyncIterator[FaultProxy]:
    running = await FaultProxy(moto_server.endpoint_url, free_port()).start()
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture
async def via_proxy(proxy: FaultProxy, moto_server: MotoServer) -> AsyncIterator[EventBridgeClient]:
    async with aioboto3.Session().client(
        "events", region_name=moto_server.region, endpoint_url=proxy.url
    ) as client:
        yield client


def entries(bus: str, n: int) -> list[dict[str, str]]:
    return [
        {"Source": "drill", "DetailType": "t", "Detail": json.dumps({"n": i}), "EventBusName": bus}
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("plan", "code", "status"),
    [
        (FaultPlan(throttle=1.0), "ThrottlingException", 400),
        (FaultPlan(server_error=1.0), "InternalException", 500),
    ],
)
async def test_whole_call_faults_reach_botocore_as_aws_errors(
    proxy: FaultProxy,
    via_proxy: EventBridgeClient,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    plan: FaultPlan,
    code: str,
    status: int,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["drill"]})
    proxy.plan = plan
    with pytest.raises(ClientError) as caught:
        await via_proxy.put_events(Entries=entries(route.bus_name, 2))  # type: ignore[arg-type]
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert await route.receive(expected=1, max_polls=2) == []  # nothing delivered


async def test_a_partial_failure_delivers_only_the_entries_reported_accepted(
    proxy: FaultProxy,
    via_proxy: EventBridgeClient,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["drill"]})
    proxy.plan = FaultPlan(partial=1.0)
    answer = await via_proxy.put_events(Entries=entries(route.bus_name, 6))  # type: ignore[arg-type]
    failed = [i for i, e in enumerate(answer["Entries"]) if "ErrorCode" in e]
    assert answer["FailedEntryCount"] == len(failed) >= 1
    accepted = 6 - len(failed)
    delivered = await route.receive(expected=accepted)
    assert sorted(e["detail"]["n"] for e in delivered) == sorted(set(range(6)) - set(failed))
    assert proxy.injected["partial"] == 1


async def test_other_calls_pass_untouched(proxy: FaultProxy, via_proxy: EventBridgeClient) -> None:
    proxy.plan = FaultPlan(throttle=1.0)
    buses = await via_proxy.list_event_buses()
    assert any(b["Name"] == "default" for b in buses["EventBuses"])
    assert proxy.injected["throttle"] == 0
