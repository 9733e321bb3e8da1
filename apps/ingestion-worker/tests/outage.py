"""A database outage that starts exactly when an activity's first attempt does."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity, client, worker
from workflow_devstack import TcpProxy


class OutageAtFirstAttempt(client.Interceptor, worker.Interceptor):
    """Stops ``proxy`` (the database's only way in) when ``activity_type`` first starts, and
    starts it again ``seconds`` later.

    Give it to a client (``config["interceptors"] = [outage]; Client(**config)``): the
    workers built on that client run every activity through it.
    """

    def __init__(self, proxy: TcpProxy, activity_type: str, seconds: float) -> None:
        self.proxy, self.activity_type, self.seconds = proxy, activity_type, seconds
        self.restored: asyncio.Task[None] | None = None

    def intercept_activity(
        self, next: worker.ActivityInboundInterceptor
    ) -> worker.ActivityInboundInterceptor:
        return _Inbound(next, self)

    async def cut(self) -> None:
        await self.proxy.stop()
        self.restored = asyncio.create_task(self._restore())

    async def _restore(self) -> None:
        await asyncio.sleep(self.seconds)
        await self.proxy.start()


class _Inbound(worker.ActivityInboundInterceptor):
    def __init__(self, next: worker.ActivityInboundInterceptor, outage: OutageAtFirstAttempt):
        super().__init__(next)
        self._outage = outage

    async def execute_activity(self, input: worker.ExecuteActivityInput) -> Any:
        if activity.info().activity_type == self._outage.activity_type and (
            self._outage.restored is None
        ):
            await self._outage.cut()
        return await super().execute_activity(input)
