"""An app's worker as a real process (``python -m <app> run``): its log lines, its health URL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp


class WorkerProcess:
    """A running ``python -m <module> run``; its output is collected as it comes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self.records: list[dict[str, Any]] = []  # the JSON log lines
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict):
                    self.records.append(record)

    def output(self) -> str:
        return "\n".join(self.lines)

    def messages(self) -> list[str]:
        return [str(r.get("message", "")) for r in self.records]

    async def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], seconds: float = 60
    ) -> dict[str, Any]:
        """The first log record matching ``predicate``, waiting for it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            for record in self.records:
                if predicate(record):
                    return record
            if self.process.returncode is not None or loop.time() > deadline:
                raise AssertionError(f"no such log line; output:\n{self.output()[-4000:]}")
            await asyncio.sleep(0.1)

    async def health_url(self) -> str:
        """The health endpoints' URL, from the line logging the port chosen."""
        record = await self.wait_for_log(lambda r: "health_port" in r)
        return f"http://127.0.0.1:{record['health_port']}"

    async def wait(self, seconds: float) -> int:
        code = await asyncio.wait_for(self.process.wait(), seconds)
        await self._reader
        return code


@asynccontextmanager
async def worker_process(
    module: str, env: Mapping[str, str], cwd: Path
) -> AsyncIterator[WorkerProcess]:
    """Starts ``python -m module run`` with ``env`` added; killed at the end if still running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "run",
        env={**os.environ, **env},
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    worker = WorkerProcess(process)
    try:
        yield worker
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await worker._reader


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(url) as response:
        return response.status, await response.json()


async def poll_readiness(
    http: aiohttp.ClientSession,
    url: str,
    expected: Callable[[int, dict[str, Any]], bool],
    seconds: float = 30,
) -> tuple[int, dict[str, Any]]:
    """Polls ``url/readyz`` until ``expected(status, body)``; the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        status, body = await get_json(http, f"{url}/readyz")
        if expected(status, body) or loop.time() > deadline:
            return status, body
        await asyncio.sleep(0.2)
