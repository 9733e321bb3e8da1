"""A local stack for the sample apps, run by an operator until Ctrl-C.

    python -m workflow_devstack.stack [--endpoint URL] [--temporal-address HOST:PORT]
        [--database-url URL] [--workdir DIR] [--env-file PATH] [--keep-running] [--lifetime S]

Starts what is not given: a Temporal dev server (on ``--temporal-port``, 7233 by default; a
Temporal server already answering there is used as it is) and moto's EventBridge/SQS server
(on ``--moto-port``, 5000 by default, a free port if taken); ``--endpoint`` targets a running
emulator instead, ``--temporal-address`` a running Temporal. Then creates the bus, the rule
that sends ingestion successes to the evaluation queue, an audit rule and queue that receive
every event, each queue with its dead-letter queue (`make_route`), migrates the database
(SQLite in the work directory unless ``--database-url``), and prints the variables the apps
need (``export INGESTION_...`` / ``EVALUATION_...``, ready for ``source``). No worker runs:
start the apps yourself, then make their versions current (``<app> deployment set-current``).

Runs until SIGINT/SIGTERM when it started something (or with ``--keep-running``), else exits
once the resources exist; ``--lifetime S`` stops it after S seconds. Exit codes: 0 ok, 2 bad
usage, 3 a given service unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aioboto3
from aiobotocore.config import AioConfig
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from workflow_contracts import DATA_CONVERTER

from workflow_devstack.moto import FAKE_AWS_ENV
from workflow_devstack.moto_process import MotoProcess
from workflow_devstack.ports import LOOPBACK, free_port
from workflow_devstack.routes import DEFAULT_MAX_RECEIVE_COUNT, Route, make_route
from workflow_devstack.temporal import start_dev_server

__all__ = [
    "AUDIT_ROUTE",
    "BUS_NAME",
    "EVALUATION_ROUTE",
    "StackInfo",
    "app_environment",
    "main",
    "run_stack",
]

logger = logging.getLogger("workflow_devstack.stack")

BUS_NAME = "workflow-events"
EVALUATION_ROUTE = "ingested-to-evaluation"
"""Name suffix of the rule, queue (``q-...``) and dead-letter queue of ingestion successes."""
AUDIT_ROUTE = "audit"
"""Name suffix of the rule and queue that receive every ingestion and evaluation event."""
DEFAULT_TEMPORAL_PORT = 7233
DEFAULT_UI_PORT = 8233
DEFAULT_MOTO_PORT = 5000
EXIT_OK, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 2, 3


class Unreachable(Exception):
    """A service the operator pointed at does not answer."""


@dataclass
class StackInfo:
    """What the stack runs and where: all the apps need."""

    temporal_address: str
    aws_endpoint_url: str
    region: str
    bus_name: str
    evaluation_route: Route
    audit_route: Route
    database_url: str
    migrated: bool
    ui_url: str | None = None
    started: list[str] = field(default_factory=list)
    """What this process started (and stops at exit): ``temporal``, ``moto``."""


def app_environment(info: StackInfo) -> dict[str, str]:
    """The variables to export for the two apps (and the emulator's dummy credentials)."""
    env = {key: FAKE_AWS_ENV[key] for key in sorted(FAKE_AWS_ENV)}
    env["AWS_DEFAULT_REGION"] = info.region
    for prefix in ("INGESTION_", "EVALUATION_"):
        env[f"{prefix}TEMPORAL_ADDRESS"] = info.temporal_address
        env[f"{prefix}AWS_REGION"] = info.region
        env[f"{prefix}AWS_ENDPOINT_URL"] = info.aws_endpoint_url
        env[f"{prefix}EVENT_BUS_NAME"] = info.bus_name
        env[f"{prefix}DATABASE_URL"] = info.database_url
        if not info.migrated:
            env[f"{prefix}MIGRATE"] = "true"
    env["EVALUATION_QUEUE_URL"] = info.evaluation_route.queue_url
    return env


def render_environment(info: StackInfo) -> str:
    """The ``export`` lines (with comments), ready for ``source``."""
    lines = [
        "# workflow devstack: export these, then run the apps "
        "(ingestion-worker run, evaluation-worker run)",
        "# and make their versions current once they run (versioned workers get no task before): "
        "ingestion-worker deployment set-current; evaluation-worker deployment set-current",
        f"# Temporal {info.temporal_address}"
        + (f", UI {info.ui_url}" if info.ui_url else "")
        + f"; EventBridge/SQS {info.aws_endpoint_url}; bus {info.bus_name}",
        f"# evaluation queue's dead-letter queue: {info.evaluation_route.dlq_url}",
        f"# audit queue (every event): {info.audit_route.queue_url}",
    ]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in app_environment(info).items()]
    return "\n".join(lines) + "\n"


def _port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((LOOPBACK, port)) == 0


def _pick_port(wanted: int, what: str) -> int:
    if wanted == 0:
        return free_port()
    if _port_taken(wanted):
        port = free_port()
        logger.warning("port %d is taken: %s on %d instead", wanted, what, port)
        return port
    return wanted


async def _temporal_answers(address: str, wait_seconds: float = 5.0) -> bool:
    try:
        await asyncio.wait_for(
            Client.connect(address, data_converter=DATA_CONVERTER), timeout=wait_seconds
        )
    except Exception:
        return False
    return True


async def _aws_answers(endpoint: str, region: str) -> bool:
    try:
        async with aioboto3.Session().client(
            "events",
            region_name=region,
            endpoint_url=endpoint,
            config=AioConfig(connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 1}),
        ) as events:
            await asyncio.wait_for(events.list_event_buses(), timeout=10)
    except Exception:
        return False
    return True


@contextlib.contextmanager
def _children_print_to_stderr() -> Iterator[None]:
    """Servers started meanwhile write to stderr: stdout carries only the export lines."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _migrate(database_url: str) -> bool:
    """Migrates the database when ``workflow_file_status`` is installed; False when not."""
    try:
        from workflow_file_status.migrate import upgrade
    except ImportError:  # the apps then migrate at start (INGESTION_MIGRATE=true)
        return False
    upgrade(database_url)
    return True


@asynccontextmanager
async def run_stack(
    *,
    endpoint: str | None = None,
    temporal_address: str | None = None,
    temporal_port: int = DEFAULT_TEMPORAL_PORT,
    ui: bool = True,
    ui_port: int = DEFAULT_UI_PORT,
    moto_port: int = DEFAULT_MOTO_PORT,
    region: str = "us-east-1",
    bus_name: str = BUS_NAME,
    database_url: str | None = None,
    workdir: Path,
    max_receive_count: int = DEFAULT_MAX_RECEIVE_COUNT,
) -> AsyncIterator[StackInfo]:
    """Starts what is missing, creates the routes, migrates; stops what it started on exit.

    Raises:
        Unreachable: ``endpoint`` or ``temporal_address`` does not answer.
    """
    for key, value in FAKE_AWS_ENV.items():  # the emulator takes any credentials
        os.environ.setdefault(key, value)
    started: list[str] = []
    ui_url: str | None = None
    async with AsyncExitStack() as stack:
        if temporal_address is not None:
            if not await _temporal_answers(temporal_address):
                raise Unreachable(f"no Temporal server answers at {temporal_address}")
        else:
            candidate = f"{LOOPBACK}:{temporal_port}"
            if temporal_port and _port_taken(temporal_port) and await _temporal_answers(candidate):
                logger.info("a Temporal server already answers at %s: using it", candidate)
                temporal_address = candidate
            else:
                port = _pick_port(temporal_port, "Temporal")
                ui_at = _pick_port(ui_port, "the Temporal UI") if ui else None
                with _children_print_to_stderr():  # the dev server prints a banner
                    env: WorkflowEnvironment = await start_dev_server(
                        port=port,
                        ui=ui,
                        ui_port=ui_at,
                        database_file=str(workdir / "temporal.db"),
                    )
                stack.push_async_callback(env.shutdown)
                started.append("temporal")
                temporal_address = f"{LOOPBACK}:{port}"
                ui_url = f"http://{LOOPBACK}:{ui_at}" if ui_at else None
        if endpoint is not None:
            if not await _aws_answers(endpoint, region):
                raise Unreachable(f"no EventBridge answers at {endpoint}")
        else:
            moto = MotoProcess(port=_pick_port(moto_port, "moto"), region=region)
            stack.callback(moto.stop)  # first: a start cancelled half-way is stopped too
            await asyncio.to_thread(moto.start)
            started.append("moto")
            endpoint = moto.endpoint_url
        database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'files.db'}"
        migrated = await asyncio.to_thread(_migrate, database_url)
        session = aioboto3.Session()
        events = await stack.enter_async_context(
            session.client("events", region_name=region, endpoint_url=endpoint)
        )
        sqs = await stack.enter_async_context(
            session.client("sqs", region_name=region, endpoint_url=endpoint)
        )
        evaluation_route = await make_route(
            events,
            sqs,
            {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]},
            bus_name=bus_name,
            name=EVALUATION_ROUTE,
            max_receive_count=max_receive_count,
        )
        audit_route = await make_route(
            events,
            sqs,
            {"source": ["ingestion", "evaluation"]},
            bus_name=bus_name,
            name=AUDIT_ROUTE,
            max_receive_count=max_receive_count,
        )
        yield StackInfo(
            temporal_address=temporal_address,
            aws_endpoint_url=endpoint,
            region=region,
            bus_name=bus_name,
            evaluation_route=evaluation_route,
            audit_route=audit_route,
            database_url=database_url,
            migrated=migrated,
            ui_url=ui_url,
            started=started,
        )


async def _until_stopped(lifetime: float | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), lifetime)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _main(args: argparse.Namespace) -> int:
    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="workflow-stack-")) if own_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        async with run_stack(
            endpoint=args.endpoint,
            temporal_address=args.temporal_address,
            temporal_port=args.temporal_port,
            ui=not args.no_ui,
            ui_port=args.ui_port,
            moto_port=args.moto_port,
            region=args.region,
            bus_name=args.bus,
            database_url=args.database_url,
            workdir=workdir.resolve(),
        ) as info:
            text = render_environment(info)
            if args.env_file is not None:
                args.env_file.write_text(text)
            sys.stdout.write(text)
            sys.stdout.flush()
            if info.started or args.keep_running:
                started = " and ".join(info.started) or "nothing"
                logger.info(
                    "stack ready (started %s)%s; Ctrl-C to stop",
                    started,
                    f", stopping in {args.lifetime:g} s" if args.lifetime is not None else "",
                )
                await _until_stopped(args.lifetime)
                logger.info("stopping")
    except Unreachable as err:
        print(f"workflow-devstack stack: error: {err}", file=sys.stderr, flush=True)
        return EXIT_UNAVAILABLE
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workflow-devstack stack",
        description="Local stack for the sample apps: Temporal, EventBridge/SQS (moto), the "
        "bus, rules, queues and dead-letter queues, a migrated database; prints the apps' "
        "variables and runs until Ctrl-C. Exit codes: 0 ok, 2 usage, 3 a given service "
        "unreachable.",
    )
    parser.add_argument(
        "--endpoint", metavar="URL", help="use this EventBridge/SQS endpoint instead of moto"
    )
    parser.add_argument(
        "--temporal-address", metavar="HOST:PORT", help="use this Temporal server instead"
    )
    parser.add_argument(
        "--temporal-port",
        type=int,
        default=DEFAULT_TEMPORAL_PORT,
        help="port of the dev server (default %(default)s; 0: a free one)",
    )
    parser.add_argument(
        "--ui-port", type=int, default=DEFAULT_UI_PORT, help="Temporal UI (default %(default)s)"
    )
    parser.add_argument("--no-ui", action="store_true", help="no Temporal UI")
    parser.add_argument(
        "--moto-port",
        type=int,
        default=DEFAULT_MOTO_PORT,
        help="port of moto (default %(default)s; 0: a free one)",
    )
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--bus", default=BUS_NAME, help="event bus name (default %(default)s)")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="database to migrate and give the apps (default: SQLite in the work directory)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the SQLite and Temporal state here (default: a temporary directory, "
        "removed at exit)",
    )
    parser.add_argument(
        "--env-file", type=Path, metavar="PATH", help="also write the export lines here"
    )
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="run until Ctrl-C even when nothing was started (both services given)",
    )
    parser.add_argument(
        "--lifetime", type=float, metavar="SECONDS", help="stop after this long (tests, CI)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = _parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--"]:  # `pnpm nx run workflow-devstack:stack -- ...` may pass it on
        args_list = args_list[1:]
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    for name in ("temporal_port", "ui_port", "moto_port"):
        if not 0 <= getattr(args, name) <= 65535:
            print(
                f"workflow-devstack stack: error: bad --{name.replace('_', '-')}", file=sys.stderr
            )
            return EXIT_USAGE
    if args.lifetime is not None and args.lifetime < 0:
        print("workflow-devstack stack: error: --lifetime must be >= 0", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return asyncio.run(_main(args))
    finally:
        # What a failed Temporal probe left in reference cycles, collected while the
        # interpreter is whole: at shutdown it can abort the process from Temporal's threads.
        gc.collect()


if __name__ == "__main__":
    sys.exit(main())
