"""Schema migrations (Alembic) from the command line.

    python -m workflow_file_status.migrate upgrade [REVISION] --database-url URL
    python -m workflow_file_status.migrate downgrade REVISION --database-url URL

Without ``--database-url`` the command line reads ``DATABASE_URL`` (never printed). From
Python, use `workflow_file_status.upgrade` and `workflow_file_status.downgrade` (re-exported
here for older imports).
"""

import argparse
import os
import sys

from workflow_file_status._migrate import (
    DEFAULT_TEMPORAL_NAMESPACE,
    HEAD,
    alembic_config,
    downgrade,
    upgrade,
)

__all__ = ["HEAD", "alembic_config", "downgrade", "main", "upgrade"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m workflow_file_status.migrate")
    parser.add_argument("action", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?", default=None)
    parser.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
    parser.add_argument(
        "--temporal-namespace",
        default=DEFAULT_TEMPORAL_NAMESPACE,
        help="namespace of the workers that wrote the existing history (upgrade to 0002)",
    )
    args = parser.parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.action == "upgrade":
        upgrade(url, args.revision or HEAD, temporal_namespace=args.temporal_namespace)
    else:
        if not args.revision:
            parser.error("downgrade needs a revision (e.g. base)")
        downgrade(url, args.revision)
    print(f"{args.action} to {args.revision or HEAD}: done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
