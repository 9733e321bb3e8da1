"""``python -m workflow_devstack.moto_serve -H HOST -p PORT``: moto's server with keep-alive.

Serves moto's own application (``DomainDispatcherApplication(create_backend_app)``, what
``python -m moto.server`` serves through werkzeug, which closes every connection) through
waitress: HTTP/1.1 keep-alive, a pool of request threads. Prints `READY_LINE` once it listens.
`workflow_devstack.MotoProcess` runs it in a process of its own.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from workflow_devstack.moto_process import READY_LINE
from workflow_devstack.ports import LOOPBACK

__all__ = ["main"]

_THREADS = 64
"""Request threads: a long-polling SQS ReceiveMessage holds one for its whole wait, and a
request waiting for a free thread can outlast its client's read timeout (then be retried)."""


def main(argv: Sequence[str] | None = None) -> None:
    """Serves moto until terminated: ``-H HOST -p PORT [--threads N]``."""
    parser = argparse.ArgumentParser(prog="workflow_devstack.moto_serve", description=__doc__)
    parser.add_argument("-H", "--host", default=LOOPBACK)
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=_THREADS)
    args = parser.parse_args(argv)
    # Imported here: a process that only starts the server does not load moto.
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from waitress.server import create_server  # type: ignore[import-untyped]  # untyped

    server = create_server(  # binds now: a taken port fails here, before the ready line
        DomainDispatcherApplication(create_backend_app),
        host=args.host,
        port=args.port,
        threads=args.threads,
        connection_limit=1000,
        channel_timeout=120,
    )
    print(f"{READY_LINE} {args.host}:{args.port}", flush=True)
    server.run()


if __name__ == "__main__":
    main()
