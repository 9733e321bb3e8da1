"""A tiny load driver for the benchmarks: N operations over C concurrent workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

__all__ = ["run_concurrently"]


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
