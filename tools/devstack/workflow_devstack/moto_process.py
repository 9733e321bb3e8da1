"""moto's server in a process of its own, keeping connections alive as AWS endpoints do.

``python -m moto.server`` serves moto through werkzeug's development server, which answers
every request with ``Connection: close``: each AWS call then opens a new TCP connection, which
AWS's endpoints never make a client do, and which costs both sides CPU (measured once here,
3,000 PutEvents at 32 in flight: with keep-alive the client spent 560 instead of 777 us of CPU
per call, moto 1.31 instead of 1.56 ms, for 712 instead of 599 calls per second).
`MotoProcess` (and ``python -m workflow_devstack.moto_serve``) serves the same moto
application, ``DomainDispatcherApplication(create_backend_app)``, through waitress: HTTP/1.1
keep-alive, a pool of request threads.

moto's SQS backend is not thread-safe under either server: with many consumers at once it can
deliver a message twice or leave a deleted one in flight. Consumers deduplicate by event id
(ours do); a test that counts messages left in a queue should allow for it.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
from dataclasses import dataclass, field
from types import TracebackType

from workflow_devstack.ports import LOOPBACK, free_port
from workflow_devstack.processes import stop_process

__all__ = ["READY_LINE", "MotoProcess", "moto_command"]

READY_LINE = "listening on"
"""The line ``workflow_devstack.moto_serve`` prints once it listens (`MotoProcess.start`
waits for it: an answer on the port could be another server's)."""


def moto_command(host: str, port: int) -> list[str]:
    """The command line that serves moto on ``host:port`` (this module, in this interpreter)."""
    return [sys.executable, "-m", "workflow_devstack.moto_serve", "-H", host, "-p", str(port)]


@dataclass
class MotoProcess:
    """moto's server in a process of its own, on a free loopback port.

    Attributes:
        port: The port it listens on.
        region: Region the clients should use.
    """

    port: int = field(default_factory=free_port)
    region: str = "us-east-1"
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def endpoint_url(self) -> str:
        """URL to give to ``client(..., endpoint_url=...)``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 30.0) -> MotoProcess:
        """Starts the server and waits until it listens; returns self.

        Raises:
            RuntimeError: It exited (e.g. the port is taken), or did not listen within
                ``timeout`` seconds.
        """
        self._process = subprocess.Popen(
            moto_command(LOOPBACK, self.port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        # The server says when it listens: an answer on the port could be another server's.
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            ready = bool(selector.select(timeout)) and self._process.stdout.readline().startswith(
                READY_LINE.encode()
            )
        if ready:
            return self
        try:  # its output ended: it is exiting
            code: int | None = self._process.wait(2)
        except subprocess.TimeoutExpired:
            code = None
        self.stop()
        if code is not None:
            raise RuntimeError(f"moto's server exited with code {code} (port {self.port} taken?)")
        raise RuntimeError(f"moto's server did not listen within {timeout} s")

    def stop(self) -> None:
        """Stops the server (killed if it does not stop within 10 s)."""
        if self._process is not None:
            stop_process(self._process)
            self._process = None

    def __enter__(self) -> MotoProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
