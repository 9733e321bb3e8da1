"""Schema migrations (Alembic), from Python or the command line.

    python -m workflow_file_status.migrate upgrade [REVISION] --database-url URL
    python -m workflow_file_status.migrate downgrade REVISION --database-url URL

Without ``--database-url`` the command line reads ``DATABASE_URL`` (never printed).
"""

import argparse
import os
import sys
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["HEAD", "alembic_config", "downgrade", "upgrade"]

HEAD = "head"
_SCRIPTS = Path(__file__).parent / "migrations"
# Alembic keeps its running context in module globals: one migration per process at a time.
# (Across processes, env.py serialises PostgreSQL migrations with an advisory lock.)
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for the package's migrations and this database."""
    from workflow_file_status.engine import normalise_database_url

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option(
        "sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%")
    )
    return config


def upgrade(database_url: str, revision: str = HEAD) -> None:
    """Migrates the database up to ``revision``. Blocking: from async code use a thread."""
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrates the database down to ``revision`` (``base`` removes everything)."""
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(database_url), revision)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m workflow_file_status.migrate")
    parser.add_argument("action", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?", default=None)
    parser.add_argument("--database-url", default=None, help="default: $DATABASE_URL")
    args = parser.parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.action == "upgrade":
        upgrade(url, args.revision or HEAD)
    else:
        if not args.revision:
            parser.error("downgrade needs a revision (e.g. base)")
        downgrade(url, args.revision)
    print(f"{args.action} to {args.revision or HEAD}: done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
