"""Fixtures on the real emulator: moto's server mode on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, Route, make_route
from workflow_events._eventbridge import open_events_client


@pytest_asyncio.fixture(scope="session")
async def events_client(moto_server: MotoServer) -> AsyncIterator[EventBridgeClient]:
    async with open_events_client(
        region_name=moto_server.region, endpoint_url=moto_server.endpoint_url
    ) as client:
        yield client


@pytest_asyncio.fixture
async def route(events_client: EventBridgeClient, sqs_client: SQSClient) -> Route:
    return await make_route(
        events_client,
        sqs_client,
        {
            "source": ["ingestion"],
            "detail-type": ["file_ingested_successfully"],
            "detail": {"data": {"kind": ["csv"]}},
        },
    )
