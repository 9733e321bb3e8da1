"""``evaluation-worker``: run the worker and its event consumer, evaluate by hand, show status.

    evaluation-worker run
    evaluation-worker start FILE_ID [FILE_ID ...] [--no-wait [--json]]
    evaluation-worker status FILE_ID [--json]

``--json`` prints one JSON object per line instead of text: ``start --no-wait``
``{"file_id", "workflow_id"}`` per file, ``status`` the file and its history. The waiting
``start`` always prints one JSON result per file.

Exit codes: 0 success; 1 an evaluation ended FAILED; 2 bad usage; 3 a service could not be
reached.
"""

import sys
from collections.abc import Sequence

from workflow_shared_activities.app import Command, ExitCode, run_cli

from evaluation_worker.settings import Settings
from evaluation_worker.worker import APP

__all__ = ["APP", "COMMANDS", "EXIT_FAILED", "EXIT_OK", "EXIT_UNAVAILABLE", "EXIT_USAGE", "main"]

COMMANDS: list[Command[Settings]] = []
"""The app's own commands: none, the shared ``run``, ``start`` and ``status`` only."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = (
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.UNAVAILABLE,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    return run_cli(APP, argv, commands=COMMANDS)


if __name__ == "__main__":
    sys.exit(main())
