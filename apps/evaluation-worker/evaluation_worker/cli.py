"""``evaluation-worker``: run the worker (and its event consumer), or evaluate one file.

Exit codes: 0 success; 1 the evaluation ended FAILED; 2 bad usage; 3 a service could not be
reached.
"""

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from uuid import UUID

from workflow_shared_activities import FileStatus, configure_logging

from evaluation_worker.settings import Settings
from evaluation_worker.worker import connect, serve
from evaluation_worker.workflows import EvaluateFileWorkflow

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3


async def _start(settings: Settings, file_id: UUID) -> int:
    client = await connect(settings)
    result = await client.execute_workflow(
        EvaluateFileWorkflow.run,
        file_id,
        id=f"evaluate-{file_id}-manual",
        task_queue=settings.task_queue,
    )
    print(json.dumps(asdict(result), default=str, indent=2))
    return EXIT_OK if result.status is FileStatus.COMPLETED else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="evaluation-worker", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the worker and the event consumer until SIGINT/SIGTERM")
    start = sub.add_parser("start", help="evaluate an ingested file and print the result")
    start.add_argument("file_id", type=UUID)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    try:
        if args.command == "run":
            asyncio.run(serve(settings))
            return EXIT_OK
        return asyncio.run(_start(settings, args.file_id))
    except (ConnectionError, OSError, RuntimeError) as err:
        print(f"error: cannot reach a service ({type(err).__name__}: {err})", file=sys.stderr)
        return EXIT_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
