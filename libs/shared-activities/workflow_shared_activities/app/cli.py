"""The command line every worker app shares, plus the app's own commands.

``run``, ``start``, ``status`` and ``deployment`` (`workflow_shared_activities.app.deployment`).

Exit codes (`ExitCode`): 0 success; 1 a file ended FAILED; 2 bad usage or configuration (or
an unknown file); 3 a service (Temporal, the database) could not be reached, or no worker of
the version ``deployment set-current`` makes current polls; 4 the schema
migration (``*_MIGRATE``) was refused for lack of privilege (migrate as the schema owner);
5 the schema migration failed otherwise. A failed migration prints its one line, no traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit
from uuid import UUID

import sqlalchemy.exc
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from workflow_contracts import ErrorType, FileStatus
from workflow_file_status._migration_errors import MigrationFailure
from workflow_file_status.migrate import MigrationError

from workflow_shared_activities._runtime import configure_logging
from workflow_shared_activities.app.files import format_status, open_repository, status_document
from workflow_shared_activities.app.outputs import (
    StartedOutput,
    StartFailedOutput,
    StatusOutput,
    json_line,
    wait_for_result,
)
from workflow_shared_activities.app.settings import AppSettings
from workflow_shared_activities.app.worker import WorkerApp

__all__ = [
    "Command",
    "ExitCode",
    "Unavailable",
    "UsageError",
    "build_parser",
    "print_line",
    "run_cli",
]

S = TypeVar("S", bound=AppSettings)

_UNREACHABLE_TYPES = frozenset(
    {
        ErrorType.DATABASE_UNAVAILABLE,
        ErrorType.DATABASE_CONFLICT,
        ErrorType.DATABASE_ACCESS_DENIED,
        ErrorType.DATABASE_READ_ONLY,
        ErrorType.SCHEMA_NOT_MIGRATED,
    }
)


_CONCURRENT_STARTS = 32
"""Workflow starts in flight at once (``start`` with many files)."""


class ExitCode(IntEnum):
    """The apps' exit codes."""

    OK = 0
    FAILED = 1
    USAGE = 2
    UNAVAILABLE = 3
    PERMISSION_DENIED = 4
    MIGRATION_FAILED = 5


# The same codes as ``python -m workflow_file_status.migrate``.
_MIGRATION_EXIT = {
    MigrationFailure.PERMISSION_DENIED: ExitCode.PERMISSION_DENIED,
    MigrationFailure.CANNOT_CONNECT: ExitCode.UNAVAILABLE,
    MigrationFailure.BAD_URL: ExitCode.USAGE,
    MigrationFailure.FAILED: ExitCode.MIGRATION_FAILED,
}


class UsageError(Exception):
    """A bad argument found after parsing (a missing path, an unknown file): exit 2."""


class Unavailable(Exception):
    """What a command needs is not there (e.g. no worker of a version polls): exit 3."""


@dataclass(frozen=True)
class Command(Generic[S]):
    """A subcommand of an app's CLI.

    Attributes:
        name: The subcommand.
        help: One line for ``--help``.
        run: Does the work; returns the exit code.
        add_arguments: Declares its arguments.
        outputs: Its machine-readable outputs: the flags that select one (``"--json"``; ``""``
            for the default output) -> the model of one JSON line (a dataclass), which the
            command prints through and the published contract describes.
    """

    name: str
    help: str
    run: Callable[[WorkerApp[S], S, argparse.Namespace], Coroutine[Any, Any, int]]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
    outputs: Mapping[str, Any] = field(default_factory=dict)


def print_line(text: str) -> None:
    """Prints one line of output at once (a long command's lines appear as they happen)."""
    print(text, flush=True)


async def _run(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    await app.serve(settings)
    return ExitCode.OK


async def _start(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    client: Client = await app.connect(settings)
    file_ids: list[UUID] = args.file_ids
    limit = asyncio.Semaphore(_CONCURRENT_STARTS)

    async def start(file_id: UUID) -> WorkflowHandle[Any, Any]:
        async with limit:
            return await app.start_workflow(client, settings, file_id)

    handles = await asyncio.gather(*map(start, file_ids))
    if args.no_wait:
        for file_id, handle in zip(file_ids, handles, strict=True):
            if args.json:
                print_line(json_line(StartedOutput(str(file_id), handle.id)))
            else:
                print_line(f"{file_id}\t{handle.id}")
        return ExitCode.OK
    all_ok = True
    for done in asyncio.as_completed(
        [wait_for_result(f, h) for f, h in zip(file_ids, handles, strict=True)]
    ):
        ok, outcome = await done
        all_ok &= ok
        print_line(json.dumps(outcome, default=str))
    return ExitCode.OK if all_ok else ExitCode.FAILED


async def _status(app: WorkerApp[S], settings: S, args: argparse.Namespace) -> int:
    async with open_repository(settings) as repository:
        file = await repository.get_file(args.file_id)
        if file is None:
            raise UsageError(f"no file {args.file_id} in the database")
        history = await repository.get_history(args.file_id)
    if args.json:
        print_line(json.dumps(status_document(file, history)))
    else:
        print_line(format_status(file, history))
    return ExitCode.FAILED if file.status is FileStatus.FAILED else ExitCode.OK


def _start_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file_ids", metavar="FILE_ID", type=UUID, nargs="+")
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="return once started, printing FILE_ID<TAB>WORKFLOW_ID per file",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='with --no-wait: print {"file_id", "workflow_id"} as one JSON object per line'
        " (waiting, start always prints JSON)",
    )


def _status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file_id", metavar="FILE_ID", type=UUID)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def common_commands() -> list[Command[Any]]:
    """``run``, ``start``, ``status`` and ``deployment``."""
    # Imported here: the deployment commands are built on this module's Command.
    from workflow_shared_activities.app.deployment import DEPLOYMENT

    return [
        Command("run", "run the worker until SIGINT/SIGTERM", _run),
        Command(
            "start",
            "start each file's workflow; wait and print one JSON result per line "
            "(exit 1 if any FAILED)",
            _start,
            _start_arguments,
            # "": the workflow's result plus workflow_id, or StartFailedOutput (the contract
            # derives that schema from the app's workflows: outputs.start_output_schema).
            {"": StartFailedOutput, "--no-wait --json": StartedOutput},
        ),
        Command(
            "status",
            "print a file's status, version and history from the database (exit 1 if it is FAILED)",
            _status,
            _status_arguments,
            {"--json": StatusOutput},
        ),
        DEPLOYMENT,
    ]


def _scrub(text: str, settings: AppSettings | None) -> str:
    """The text without the database password (error messages may quote the URL)."""
    if settings is None:
        return text
    secrets: set[str] = set()
    with contextlib.suppress(Exception):
        secrets.add(str(make_url(settings.database_url).password or ""))
    with contextlib.suppress(Exception):
        secrets.add(urlsplit(settings.database_url).password or "")  # as written (%-encoded)
    for secret in sorted(secrets - {""}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _fail(code: ExitCode, message: str, app: WorkerApp[Any], *, log: bool = True) -> int:
    if log:  # a JSON line for the log pipeline, besides the line for the operator
        app.logger.error("%s", message)
    print(f"{app.name}: error: {message}", file=sys.stderr, flush=True)
    return code


def run_cli(
    app: WorkerApp[S], argv: Sequence[str] | None = None, commands: Sequence[Command[S]] = ()
) -> int:
    """Parses ``argv`` and runs the command; returns the exit code (`ExitCode`).

    Args:
        app: The app.
        argv: The arguments (``sys.argv[1:]`` when None).
        commands: The app's own commands, listed after ``run``.
    """
    parser, by_name = build_parser(app, commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2): returned, not raised
        return int(exit_.code or 0)
    try:
        return _execute(app, args, by_name[args.command])
    finally:
        # Collect now what a failed Temporal connection left in reference cycles: collected
        # during interpreter shutdown instead, it can abort the process (SIGABRT) from the
        # Temporal runtime's threads, turning exit code 3 into 134.
        gc.collect()


def build_parser(
    app: WorkerApp[S], commands: Sequence[Command[S]] = ()
) -> tuple[argparse.ArgumentParser, dict[str, Command[Any]]]:
    """The app's argument parser and its commands by name (``run``, the app's own, the rest)."""
    every = common_commands()
    every[1:1] = commands
    parser = argparse.ArgumentParser(
        prog=app.name,
        description=f"{app.description} Exit codes: 0 ok, 1 a file ended FAILED, "
        "2 usage, 3 a service unreachable, 4 migration refused for lack of privilege, "
        "5 migration failed. Configured by environment variables "
        f"({app.settings_type.model_config.get('env_prefix', '')}*).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    by_name: dict[str, Command[Any]] = {}
    for command in every:
        sub_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        if command.add_arguments is not None:
            command.add_arguments(sub_parser)
        by_name[command.name] = command
    return parser, by_name


def _execute(app: WorkerApp[S], args: argparse.Namespace, command: Command[Any]) -> int:
    settings: S | None = None
    try:
        settings = app.load_settings()
        configure_logging(settings.log_level)
        if args.command != "run":  # a one-shot command: its own error line says it all
            logging.getLogger("alembic").setLevel(logging.WARNING)
            logging.getLogger("workflow_file_status").setLevel(logging.ERROR)
        return asyncio.run(command.run(app, settings, args))
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
            for e in err.errors(include_input=False, include_url=False)
        )
        return _fail(ExitCode.USAGE, f"invalid configuration: {problems}", app, log=False)
    except UsageError as err:
        return _fail(ExitCode.USAGE, _scrub(str(err), settings), app)
    except Unavailable as err:
        return _fail(ExitCode.UNAVAILABLE, _scrub(str(err), settings), app)
    except MigrationError as err:  # its one line names the fix (no driver text, no URL)
        return _fail(_MIGRATION_EXIT[err.failure], _scrub(err.message, settings), app)
    except sqlalchemy.exc.ArgumentError as err:
        return _fail(ExitCode.USAGE, f"bad database URL ({type(err).__name__})", app)
    except ApplicationError as err:
        if err.type in _UNREACHABLE_TYPES:
            return _fail(ExitCode.UNAVAILABLE, f"database: {_scrub(err.message, settings)}", app)
        raise
    except RPCError as err:
        return _fail(
            ExitCode.UNAVAILABLE,
            f"Temporal: {err.status.name}: {_scrub(err.message, settings)}",
            app,
        )
    except (ConnectionError, OSError, RuntimeError, sqlalchemy.exc.DBAPIError) as err:
        return _fail(
            ExitCode.UNAVAILABLE,
            f"cannot reach a service ({type(err).__name__}: {_scrub(str(err), settings)})",
            app,
        )
    except KeyboardInterrupt:
        print(f"{app.name}: interrupted", file=sys.stderr, flush=True)
        return 130
