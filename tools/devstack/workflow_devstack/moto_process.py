"""moto's server in a process of its own, keeping connections alive as AWS endpoints do.

``python -m moto.server`` serves moto through werkzeug's development server, which answers
every request with ``Connection: close``: each AWS call then opens a new TCP connection, which
AWS's endpoints never make a client do, and which costs both sides CPU (measured here: a
PutEvents call cost the client about 210 us more CPU and moto about 15% more, for 17% fewer
calls per second). `MotoProcess` (and ``python -m workflow_devstack.moto_process``) serves the
same moto application, ``DomainDispatcherApplication(create_backend_app)``, through waitress:
HTTP/1.1 keep-alive, a pool of request threads.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

from workflow_devstack.ports import LOOPBACK, free_port

__all__ = ["MotoProcess", "main", "moto_command"]

_THREADS = 16
"""Request threads (a long-polling SQS ReceiveMessage holds one for its wait)."""


def moto_command(host: str, port: int) -> list[str]:
    """The command line that serves moto on ``host:port`` (this module, in this interpreter)."""
    return [sys.executable, "-m", "workflow_devstack.moto_process", "-H", host, "-p", str(port)]


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
        """Starts the server and waits until it answers; returns self.

        Raises:
            RuntimeError: It exited, or did not answer within ``timeout`` seconds.
        """
        self._process = subprocess.Popen(
            moto_command(LOOPBACK, self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self  # it answers
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("moto's server did not start")

    def stop(self) -> None:
        """Stops the server (killed if it does not stop within 10 s)."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)
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


def main(argv: Sequence[str] | None = None) -> None:
    """Serves moto until terminated: ``-H HOST -p PORT [--threads N]``."""
    parser = argparse.ArgumentParser(prog="workflow_devstack.moto_process", description=__doc__)
    parser.add_argument("-H", "--host", default=LOOPBACK)
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=_THREADS)
    args = parser.parse_args(argv)
    # Imported here: a process that only starts the server does not load moto.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from waitress import serve  # type: ignore[import-untyped]  # untyped; only serve() used

    serve(
        DomainDispatcherApplication(create_backend_app),
        host=args.host,
        port=args.port,
        threads=args.threads,
        connection_limit=1000,
        channel_timeout=120,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
