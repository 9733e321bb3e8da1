"""The health endpoints of a real ``evaluation-worker run`` process, its consumer running.

Real Temporal dev server, moto in server mode and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, PostgresDatabase, make_route


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(url) as response:
        return response.status, await response.json()


async def test_ready_while_running_then_sigterm_exits_0_readiness_off_first(
    tmp_path: Path,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
    postgres_database: PostgresDatabase,
) -> None:
    route = await make_route(events_client, sqs_client, {"source": ["ingestion"]})
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVALUATION_")} | {
        "EVALUATION_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "EVALUATION_TASK_QUEUE": f"evaluation-{uuid.uuid4()}",
        "EVALUATION_AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "EVALUATION_EVENT_BUS_NAME": route.bus_name,
        "EVALUATION_QUEUE_URL": route.queue_url,
        "EVALUATION_DATABASE_URL": postgres_database.sqlalchemy_url,
        "EVALUATION_MIGRATE": "true",
        "EVALUATION_WORKER_VERSIONING": "false",  # not about deployment versions
        "EVALUATION_HEALTH_PORT": "0",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "evaluation_worker",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    records: list[dict[str, Any]] = []
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            # The port chosen (health port 0) is on the line announcing the endpoints.
            while not records or "health_port" not in records[-1]:
                line = await asyncio.wait_for(process.stdout.readline(), 60)
                assert line, "the worker exited before serving its health endpoints"
                if line.startswith(b"{"):
                    records.append(json.loads(line))
            url = f"http://127.0.0.1:{records[-1]['health_port']}"
            assert await get_json(http, f"{url}/healthz") == (200, {"status": "ok"})
            for _ in range(150):
                status, body = await get_json(http, f"{url}/readyz")
                if status == 200:
                    break
                await asyncio.sleep(0.2)
            assert status == 200, body
            assert set(body["checks"]) == {"worker", "temporal", "database", "event_bus"}
        process.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, rest.decode(errors="replace")[-4000:]
    records += [json.loads(line) for line in rest.splitlines() if line.startswith(b"{")]
    messages = [str(r.get("message")) for r in records]
    assert "health=127.0.0.1:0" in next(m for m in messages if "starting:" in m)
    off = messages.index("readiness off: shutting down")
    assert off < messages.index("stop requested: shutting down gracefully")
    assert messages.index("health endpoints closed") > messages.index("shared activities closed")
