"""``ingestion-worker``: run the worker, register a file, or ingest one and print the result.

Exit codes: 0 success; 1 the file ended FAILED; 2 bad usage; 3 a service could not be reached.
"""

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from uuid import UUID

from workflow_shared_activities import (
    FileCreate,
    FileStatus,
    SqlFileStatusRepository,
    configure_logging,
    create_engine,
)

from ingestion_worker.settings import Settings
from ingestion_worker.worker import connect, serve, start_ingestion

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


async def _register(settings: Settings, path: Path) -> int:
    engine = create_engine(settings.database_url)
    try:
        file = await SqlFileStatusRepository(engine).register_file(
            FileCreate(name=path.name, uri=str(path))
        )
    finally:
        await engine.dispose()
    print(file.id)
    return EXIT_OK


async def _start(settings: Settings, file_id: UUID) -> int:
    client = await connect(settings)
    result = await start_ingestion(client, settings, file_id)
    print(json.dumps(asdict(result), default=str, indent=2))
    return EXIT_OK if result.status is FileStatus.COMPLETED else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="ingestion-worker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the worker until SIGINT/SIGTERM")
    register = sub.add_parser("register", help="register a local file; prints its id")
    register.add_argument("path", type=Path)
    start = sub.add_parser("start", help="ingest a registered file and print the result")
    start.add_argument("file_id", type=UUID)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        if args.command == "run":
            asyncio.run(serve(settings))
            return EXIT_OK
        if args.command == "register":
            return asyncio.run(_register(settings, args.path.resolve()))
        return asyncio.run(_start(settings, args.file_id))
    except (ConnectionError, OSError, RuntimeError) as err:
        logging.getLogger("ingestion_worker").error(
            "cannot reach a service: %s", type(err).__name__
        )
        print(f"error: cannot reach a service ({type(err).__name__}: {err})", file=sys.stderr)
        return EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
