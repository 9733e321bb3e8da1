"""``evaluation-worker``: run the worker and its event consumer, evaluate by hand, show status.

    evaluation-worker run
    evaluation-worker start FILE_ID [FILE_ID ...] [--no-wait]
    evaluation-worker status FILE_ID [--json]

Exit codes: 0 success; 1 an evaluation ended FAILED; 2 bad usage; 3 a service could not be
reached.
"""

import sys
from collections.abc import Sequence

from workflow_shared_activities.app import ExitCode, run_cli

from evaluation_worker.worker import APP

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNAVAILABLE", "EXIT_USAGE", "main"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = (
    ExitCode.OK,
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.UNAVAILABLE,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    return run_cli(APP, argv)


if __name__ == "__main__":
    sys.exit(main())
