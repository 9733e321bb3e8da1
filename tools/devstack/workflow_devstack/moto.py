"""An AWS emulator on loopback: moto in server mode.

In-process ``mock_aws`` does not intercept aiobotocore's HTTP client, so aioboto3 code is
tested against a real HTTP endpoint served by `moto.server.ThreadedMotoServer`.
"""

from __future__ import annotations

import logging
import urllib.request
from dataclasses import dataclass, field

from moto.server import ThreadedMotoServer

from workflow_devstack.ports import LOOPBACK, free_port

__all__ = ["FAKE_AWS_ENV", "MotoServer"]

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
"""Dummy credentials for the emulator; never real ones."""


@dataclass
class MotoServer:
    """A moto server on a free loopback port.

    Attributes:
        port: The port it listens on.
        region: Region the clients should use.
    """

    port: int = field(default_factory=free_port)
    region: str = "us-east-1"
    _server: ThreadedMotoServer | None = field(default=None, init=False, repr=False)

    @property
    def endpoint_url(self) -> str:
        """URL to give to ``client(..., endpoint_url=...)``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> MotoServer:
        """Starts serving; returns self."""
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per call
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=self.port, verbose=False)
        self._server.start()
        return self

    def reset(self) -> None:
        """Drops every emulated resource (buses, rules, queues)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        """Stops serving."""
        if self._server is not None:
            self._server.stop()
            self._server = None
