"""Schema migrations (Alembic) and the worker role's grants from the command line.

    python -m workflow_file_status.migrate upgrade [REVISION] --database-url OWNER_URL
    python -m workflow_file_status.migrate downgrade REVISION --database-url OWNER_URL
    python -m workflow_file_status.migrate grant ROLE [--schema S] --database-url OWNER_URL
    python -m workflow_file_status.migrate grant ROLE [--schema S] --print

Migrations and grants run as the owner of the schema (from CI or a deploy job); the worker
runs as a role holding only the grants (``grant --print`` shows them, ``grant`` applies them).
Without ``--database-url`` the command line reads ``DATABASE_URL`` (never printed).

A failure prints one line on stderr, no traceback, and exits with its `ExitCode`: 2 bad
usage or a bad URL, 3 the database unreachable or the login refused, 4 permission denied (a
role that may not change the schema: migrate as the owner), 5 any other failure (the line
says which). From Python, use `workflow_file_status.upgrade`, `workflow_file_status.downgrade`
and `grant` (re-exported here), which raise `MigrationError`.
"""

import argparse
import os
import sys
from enum import IntEnum

from workflow_file_status._engine import database_pooler
from workflow_file_status._grants import GRANTS_SQL, grant, grant_statements, quote_identifier
from workflow_file_status._migrate import (
    DEFAULT_TEMPORAL_NAMESPACE,
    HEAD,
    alembic_config,
    downgrade,
    upgrade,
)
from workflow_file_status._migration_errors import MigrationError, MigrationFailure

__all__ = [
    "EXIT_CODES",
    "GRANTS_SQL",
    "HEAD",
    "ExitCode",
    "MigrationError",
    "MigrationFailure",
    "alembic_config",
    "downgrade",
    "grant",
    "grant_statements",
    "main",
    "quote_identifier",
    "upgrade",
]

_PROG = "python -m workflow_file_status.migrate"


class ExitCode(IntEnum):
    """The exit codes of ``python -m workflow_file_status.migrate`` (those the apps share)."""

    OK = 0
    USAGE = 2
    UNAVAILABLE = 3
    PERMISSION_DENIED = 4
    FAILED = 5


EXIT_CODES: dict[MigrationFailure, ExitCode] = {
    MigrationFailure.PERMISSION_DENIED: ExitCode.PERMISSION_DENIED,
    MigrationFailure.CANNOT_CONNECT: ExitCode.UNAVAILABLE,
    MigrationFailure.BAD_URL: ExitCode.USAGE,
    MigrationFailure.FAILED: ExitCode.FAILED,
}
"""The exit code of each `MigrationFailure`."""

_EPILOG = (
    "Exit codes: 0 ok, 2 usage or a bad URL, 3 database unreachable or login refused,"
    " 4 permission denied (migrate as the schema owner), 5 another failure."
    " Migrate and grant as the schema owner; the worker's role needs only the grants."
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_PROG, epilog=_EPILOG)
    # Accepted before or after the action; SUPPRESS keeps a sub-parser from resetting it.
    url_help = "the schema owner's database URL (default: $DATABASE_URL; never printed)"
    parser.add_argument("--database-url", default=None, help=url_help)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    up = actions.add_parser("upgrade", help="migrate up (default: to head)", epilog=_EPILOG)
    up.add_argument("revision", nargs="?", default=None)
    up.add_argument(
        "--temporal-namespace",
        default=DEFAULT_TEMPORAL_NAMESPACE,
        help="namespace of the workers that wrote the existing history (upgrade to 0002)",
    )
    down = actions.add_parser("downgrade", help="migrate down to REVISION", epilog=_EPILOG)
    down.add_argument("revision", nargs="?", default=None)
    grant_parser = actions.add_parser(
        "grant",
        help="give the worker's login role its privileges (no CREATE, DELETE or TRUNCATE)",
        epilog=_EPILOG,
    )
    grant_parser.add_argument("role", metavar="ROLE", help="the worker's login role, as named")
    grant_parser.add_argument("--schema", default="public", help="schema of the tables")
    grant_parser.add_argument(
        "--print",
        dest="print_only",
        action="store_true",
        help="print the statements instead of applying them (no database needed)",
    )
    for sub in (up, down, grant_parser):
        sub.add_argument("--database-url", default=argparse.SUPPRESS, help=url_help)
    return parser


def _fail(code: ExitCode, message: str) -> int:
    print(message, file=sys.stderr, flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code (`ExitCode`)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.action == "grant" and args.print_only:
        try:
            statements = grant_statements(args.role, args.schema)
        except ValueError as err:
            return _fail(ExitCode.USAGE, f"grant: {err}")
        print("\n".join(f"{statement};" for statement in statements), flush=True)
        return ExitCode.OK
    url = args.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.action == "downgrade" and not args.revision:
        parser.error("downgrade needs a revision (e.g. base)")
    try:
        database_pooler(url)
    except ValueError as err:  # ?pooler=... names no pooler (the URL is never quoted)
        return _fail(ExitCode.USAGE, f"{args.action}: {err}")
    try:
        if args.action == "upgrade":
            upgrade(url, args.revision or HEAD, temporal_namespace=args.temporal_namespace)
            done = f"upgrade to {args.revision or HEAD}: done"
        elif args.action == "downgrade":
            downgrade(url, args.revision)
            done = f"downgrade to {args.revision}: done"
        else:
            grant(url, args.role, args.schema)
            role, schema = quote_identifier(args.role), quote_identifier(args.schema)
            done = f"grant to {role} on schema {schema}: done"
    except MigrationError as err:
        return _fail(EXIT_CODES[err.failure], err.message)
    except ValueError as err:  # a role or schema name refused, a SQLite URL for grant
        return _fail(ExitCode.USAGE, f"{args.action}: {err}")
    print(done, file=sys.stderr, flush=True)
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
