"""For the benchmarks: a tiny load driver, and the endpoint a client is measured against."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from workflow_devstack.moto_process import MotoProcess
from workflow_devstack.ports import LOOPBACK, free_port

__all__ = ["endpoint_process", "run_concurrently"]


async def run_concurrently(
    n: int, concurrency: int, op: Callable[[int], Awaitable[object]]
) -> float:
    """Runs ``op(0)`` .. ``op(n-1)`` on ``concurrency`` workers; returns operations per second."""
    counter = iter(range(n))

    async def worker() -> None:
        for i in counter:
            await op(i)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - start)


@contextmanager
def endpoint_process(kind: str, stub_script: Path, timeout: float = 30.0) -> Iterator[str]:
    """An AWS endpoint in a process of its own; yields its URL once it answers, then stops it.

    Args:
        kind: ``moto`` (`MotoProcess`) or ``stub`` (``stub_script PORT``, a minimal
            always-success endpoint: what the client itself costs).
        stub_script: The stub's script (each bench has its own API's).
        timeout: Seconds to wait for it to answer.

    Raises:
        RuntimeError: It did not answer within ``timeout``.
    """
    if kind == "moto":
        with MotoProcess() as moto:
            yield moto.endpoint_url
        return
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    process = subprocess.Popen(
        [sys.executable, str(stub_script), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=0.5)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{stub_script.name} did not answer at {url}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)
