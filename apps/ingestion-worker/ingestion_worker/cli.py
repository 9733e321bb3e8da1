"""``ingestion-worker``: run the worker, register files, start ingestions, show a file's status.

    ingestion-worker run
    ingestion-worker register PATH [PATH ...] [--glob '*.csv'] [--json]  # ID<TAB>PATH per file
    ingestion-worker start FILE_ID [FILE_ID ...] [--no-wait [--json]]
    ingestion-worker status FILE_ID [--json]

``--json`` prints one JSON object per line instead of text: ``register`` a `RegisteredOutput`
(``{"id", "path"}``) per file, ``start --no-wait`` ``{"file_id", "workflow_id"}`` per file,
``status`` the file and its history. The waiting ``start`` always prints one JSON result per
file.

Exit codes: 0 success; 1 a file ended FAILED; 2 bad usage; 3 a service could not be reached.
"""

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workflow_shared_activities.app import (
    Command,
    ExitCode,
    UsageError,
    WorkerApp,
    collect_files,
    json_line,
    open_repository,
    print_line,
    register_paths,
    run_cli,
)

from ingestion_worker.settings import Settings
from ingestion_worker.worker import APP

__all__ = [
    "APP",
    "COMMANDS",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "REGISTER",
    "RegisteredOutput",
    "main",
]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = (
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.UNAVAILABLE,
)


@dataclass(frozen=True)
class RegisteredOutput:
    """``register --json``: one registered file.

    Attributes:
        id: The file's id (a UUID), to ``start`` it.
        path: The path registered (absolute), also the file's URI.
    """

    id: str
    path: str


def _register_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", metavar="PATH", type=Path, nargs="+", help="a file, or a directory (recursively)"
    )
    parser.add_argument(
        "--glob",
        metavar="PATTERN",
        default=None,
        help="only the files of a directory whose name matches, e.g. '*.csv'",
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"id", "path"} as one JSON object per file'
    )


async def _register(app: WorkerApp[Settings], settings: Settings, args: argparse.Namespace) -> int:
    try:
        paths = collect_files(args.paths, args.glob)
    except (OSError, ValueError) as err:
        raise UsageError(str(err)) from err
    if not paths:
        raise UsageError("no file to register" + (f" matching {args.glob!r}" if args.glob else ""))
    async with open_repository(settings) as repository:
        async for file, path in register_paths(repository, paths):
            if args.json:
                print_line(json_line(RegisteredOutput(str(file.id), str(path))))
            else:
                print_line(f"{file.id}\t{path}")
    return ExitCode.OK


REGISTER: Command[Settings] = Command(
    "register",
    "register files (directories: every regular file inside); prints ID<TAB>PATH per file",
    _register,
    _register_arguments,
    {"--json": RegisteredOutput},
)

COMMANDS: list[Command[Settings]] = [REGISTER]
"""The app's own commands, after the shared ``run``."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    return run_cli(APP, argv, commands=COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
