"""A local package index on loopback (pypiserver) to publish to and install from.

The server keeps uploaded packages in a folder of its own. A name it does not hold is
redirected to the index pip itself is configured with (``pip config``, ``PIP_INDEX_URL``),
so ``pip install --index-url <local>/simple/ workflow-shared-activities`` finds the workspace's
libraries locally and everything else where pip normally looks; no index address is written
in any file. Uploads need no password (a throw-away index for tests and trial releases).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from workflow_devstack.ports import LOOPBACK, free_port

__all__ = ["LocalIndex", "pip_index_url", "workspace_root"]

_START_TIMEOUT = 30.0


def workspace_root() -> Path:
    """The workspace root (the folder holding ``nx.json``) above this package."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "nx.json").is_file():
            return folder
    raise RuntimeError("nx.json not found above workflow_release")


def pip_index_url() -> str:
    """The index pip would use, as ``tools/scripts/index_url.py`` reads it."""
    script = workspace_root() / "tools" / "scripts" / "index_url.py"
    result = subprocess.run(
        [sys.executable, str(script)], check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def _pypiserver_folder() -> Path:
    spec = importlib.util.find_spec("pypiserver")
    if spec is None or spec.origin is None:
        raise RuntimeError("pypiserver is not installed in this environment")
    return Path(spec.origin).parent


class LocalIndex:
    """A pypiserver process on a free loopback port, stopped on exit.

    Use as a context manager::

        with LocalIndex(tmp_path / "packages") as index:
            index.upload_url   # for `poetry publish` / twine
            index.simple_url   # for `pip install --index-url`
    """

    def __init__(
        self, packages: Path, *, port: int | None = None, fallback_url: str | None = None
    ) -> None:
        """Prepares the server (started by ``start`` or ``with``).

        Args:
            packages: Folder of the uploaded packages (created if missing).
            port: Port on 127.0.0.1 (a free one when None).
            fallback_url: Where names the index does not hold are redirected (pip's own
                index when None).
        """
        self.packages = packages
        self.port = port or free_port()
        self.fallback_url = fallback_url
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's root URL (uploads go here)."""
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def upload_url(self) -> str:
        """The upload (legacy API) URL, for ``poetry publish`` and twine."""
        return self.url

    @property
    def simple_url(self) -> str:
        """The simple index URL, for ``pip install --index-url``."""
        return f"{self.url}simple/"

    def start(self) -> LocalIndex:
        """Starts the server and waits until it answers.

        Raises:
            RuntimeError: The server exited or did not answer in time.
        """
        self.packages.mkdir(parents=True, exist_ok=True)
        fallback = self.fallback_url or pip_index_url()
        command = [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--authenticate",
            ".",
            "--passwords",
            ".",
            "--fallback-url",
            fallback.rstrip("/") + "/",
            "--welcome",  # its default is resolved from the working directory
            str(_pypiserver_folder() / "welcome.html"),
            "--log-file",
            str(self.packages.parent / f"pypiserver-{self.port}.log"),
            str(self.packages),
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pypiserver exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(self.simple_url, timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"pypiserver did not answer at {self.simple_url}")

    def stop(self) -> None:
        """Stops the server (idempotent)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalIndex:
        """Starts the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stops the server."""
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m workflow_release``: serves a local index until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=Path, default=Path(".local-index/packages"))
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    with LocalIndex(args.packages.resolve(), port=args.port) as index:
        print(f"export POETRY_REPOSITORIES_RELEASE_URL={index.upload_url}")
        print("export POETRY_HTTP_BASIC_RELEASE_USERNAME=local")
        print("export POETRY_HTTP_BASIC_RELEASE_PASSWORD=local")
        print(f"# install: pip install --index-url {index.simple_url} workflow-shared-activities")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0
