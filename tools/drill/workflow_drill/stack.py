"""The drill's stack: Temporal with its state in a file, moto, the fault proxy, PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aioboto3
import asyncpg
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_contracts import DATA_CONVERTER
from workflow_devstack import (
    FAKE_AWS_ENV,
    PostgresDatabase,
    Route,
    create_database,
    drop_database,
    free_port,
    make_route,
    moto_command,
    start_dev_server,
)
from workflow_devstack.postgres import admin_url

from workflow_drill.faults import FaultPlan, FaultProxy

__all__ = ["BUS_NAME", "DrillStack", "drill_stack"]

BUS_NAME = "workflow-events"
REGION = FAKE_AWS_ENV["AWS_DEFAULT_REGION"]


@dataclass
class DrillStack:
    """Everything the workers and the checker talk to."""

    temporal: WorkflowEnvironment
    temporal_port: int
    state_file: Path
    moto_url: str
    proxy: FaultProxy
    database: PostgresDatabase
    events: EventBridgeClient
    sqs: SQSClient
    evaluation_route: Route
    audit_route: Route
    workdir: Path

    @property
    def temporal_address(self) -> str:
        """Where workers and clients connect."""
        return f"127.0.0.1:{self.temporal_port}"

    async def client(self) -> Client:
        """A new client of the (possibly restarted) server."""
        return await Client.connect(self.temporal_address, data_converter=DATA_CONVERTER)

    async def restart_temporal(self, down_seconds: float = 1.0) -> None:
        """Stops the server and starts it again on the same port from the same state file."""
        await self.temporal.shutdown()
        await asyncio.sleep(down_seconds)
        self.temporal = await start_dev_server(
            port=self.temporal_port, database_file=str(self.state_file)
        )

    async def admin(self) -> asyncpg.Connection:
        """A connection to another database of the server (to act on the drill's one)."""
        return await asyncpg.connect(admin_url(), timeout=10)

    def migrate(self) -> None:
        """Runs the schema migration the documented way (the package's command line)."""
        subprocess.run(
            [
                sys.executable,
                "-m",
                "workflow_file_status.migrate",
                "upgrade",
                "--database-url",
                self.database.sqlalchemy_url,
            ],
            check=True,
            capture_output=True,
        )


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _start_moto(port: int, logdir: Path) -> subprocess.Popen[bytes]:
    log = (logdir / "moto.log").open("ab")
    process = subprocess.Popen(
        moto_command("127.0.0.1", port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return process


async def _wait_http(url: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        try:
            await asyncio.to_thread(urllib.request.urlopen, url, None, 1)
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not answer")


@asynccontextmanager
async def drill_stack(workdir: Path, plan: FaultPlan) -> AsyncIterator[DrillStack]:
    """Starts the stack on free loopback ports; stops and removes everything on exit."""
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    moto_port, proxy_port, temporal_port = free_port(), free_port(), free_port()
    moto_url = f"http://127.0.0.1:{moto_port}"
    state_file = workdir / "temporal.db"
    state_file.unlink(missing_ok=True)
    stack: DrillStack | None = None
    # Each part is stopped (in reverse order) whatever fails after it started.
    async with AsyncExitStack() as started:
        moto = _start_moto(moto_port, workdir)
        started.callback(_stop_process, moto)
        database = await create_database(prefix="wsa_drill")
        started.push_async_callback(drop_database, database)
        temporal = await start_dev_server(port=temporal_port, database_file=str(state_file))

        async def stop_temporal() -> None:  # the drill may have restarted it
            await (stack.temporal if stack else temporal).shutdown()

        started.push_async_callback(stop_temporal)
        proxy = await FaultProxy(moto_url, proxy_port, plan).start()
        started.push_async_callback(proxy.stop)
        await _wait_http(f"{moto_url}/moto-api/")
        session = aioboto3.Session(
            aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        async with (
            session.client("events", endpoint_url=moto_url) as events,
            session.client("sqs", endpoint_url=moto_url) as sqs,
        ):
            evaluation_route = await make_route(
                events,
                sqs,
                {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
                bus_name=BUS_NAME,
                name="ingested-to-evaluation",
                max_receive_count=5,
            )
            audit_route = await make_route(
                events,
                sqs,
                {"source": ["ingestion", "evaluation"]},
                bus_name=BUS_NAME,
                name="audit",
                max_receive_count=1000,
            )
            stack = DrillStack(
                temporal=temporal,
                temporal_port=temporal_port,
                state_file=state_file,
                moto_url=moto_url,
                proxy=proxy,
                database=database,
                events=events,
                sqs=sqs,
                evaluation_route=evaluation_route,
                audit_route=audit_route,
                workdir=workdir,
            )
            await asyncio.to_thread(stack.migrate)
            yield stack
