"""The local stack the demo starts and stops: Temporal, the EventBridge emulator, a database.

Each queue has a dead-letter queue (`make_route`): a message the consumer rejects, or that
keeps failing, ends there after `MAX_RECEIVE_COUNT` receives.

The emulator runs in a process of its own (`MotoProcess`, keep-alive connections like AWS's
endpoints): moto's server in the demo's own process (`workflow_devstack.MotoServer`, threads)
took a fifth of that process's CPU, under the workers' GIL, and left the machine's second core
to the Temporal server alone.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aioboto3
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import (
    FAKE_AWS_ENV,
    MotoProcess,
    Route,
    free_port,
    make_route,
    start_dev_server,
)
from workflow_file_status.migrate import upgrade

__all__ = ["BUS_NAME", "MAX_RECEIVE_COUNT", "LocalStack", "MotoProcess", "local_stack"]

BUS_NAME = "workflow-events"
MAX_RECEIVE_COUNT = 3
"""The queues' redrive policy: receives before a message moves to the dead-letter queue."""


@dataclass
class LocalStack:
    """Everything running, with the addresses the workers need."""

    temporal: WorkflowEnvironment
    temporal_address: str
    ui_url: str | None
    moto: MotoProcess
    events: EventBridgeClient
    sqs: SQSClient
    evaluation_route: Route
    audit_route: Route
    database_url: str
    workdir: Path


@asynccontextmanager
async def local_stack(
    database_url: str | None = None,
    *,
    ui: bool = False,
    workdir: Path | None = None,
    namespaces: Sequence[str] = (),
) -> AsyncIterator[LocalStack]:
    """Starts the stack on free loopback ports; stops everything on exit.

    ``namespaces`` are created besides ``default`` (the split mode's).
    """
    # The emulator takes any credentials; these are dummies, never real ones.
    for key, value in FAKE_AWS_ENV.items():
        os.environ.setdefault(key, value)
    own_dir = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="workflow-demo-"))
    database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'files.db'}"
    await asyncio.to_thread(upgrade, database_url)
    ui_port = free_port() if ui else None
    temporal = await start_dev_server(ui=ui, ui_port=ui_port, extra_namespaces=namespaces)
    try:
        moto = await asyncio.to_thread(MotoProcess().start)
    except BaseException:
        await temporal.shutdown()
        raise
    try:
        session = aioboto3.Session()
        async with (
            session.client(
                "events", region_name=moto.region, endpoint_url=moto.endpoint_url
            ) as events,
            session.client("sqs", region_name=moto.region, endpoint_url=moto.endpoint_url) as sqs,
        ):
            evaluation_route = await make_route(
                events,
                sqs,
                {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
                bus_name=BUS_NAME,
                name="ingested-to-evaluation",
                max_receive_count=MAX_RECEIVE_COUNT,
            )
            audit_route = await make_route(
                events,
                sqs,
                {"source": ["ingestion", "evaluation"]},
                bus_name=BUS_NAME,
                name="audit",
                max_receive_count=MAX_RECEIVE_COUNT,
            )
            yield LocalStack(
                temporal=temporal,
                temporal_address=temporal.client.service_client.config.target_host,
                ui_url=f"http://127.0.0.1:{ui_port}" if ui_port else None,
                moto=moto,
                events=events,
                sqs=sqs,
                evaluation_route=evaluation_route,
                audit_route=audit_route,
                database_url=database_url,
                workdir=workdir,
            )
    finally:
        moto.stop()
        await temporal.shutdown()
        if own_dir:
            for path in sorted(workdir.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            workdir.rmdir()
