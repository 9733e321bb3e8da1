"""A TCP proxy on loopback that can be cut and restored: a database outage on demand."""

from __future__ import annotations

import asyncio
import contextlib

from workflow_devstack.ports import LOOPBACK, free_port

__all__ = ["TcpProxy"]


class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``target_host:target_port`` until `stop`.

    `stop` closes the listener and every open connection (clients see the server vanish);
    `start` serves again on the same port.
    """

    def __init__(self, target_host: str, target_port: int, port: int | None = None) -> None:
        """Args: target_host/target_port: where to forward. port: local port (free if None)."""
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> TcpProxy:
        """Starts accepting connections."""
        self._server = await asyncio.start_server(self._handle, LOOPBACK, self.port)
        return self

    async def stop(self) -> None:
        """Refuses new connections and drops the open ones."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # Connections first: since Python 3.12.1 `wait_closed` waits for every connection
        # the server accepted to be gone, so waiting before dropping them never returns.
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self._tasks.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._tasks.difference_update(pipes)
        self._writers.difference_update({writer, up_writer})

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
