"""Schema migrations (Alembic) from Python: `upgrade` and `downgrade`.

Kept apart from the command line (`workflow_file_status.migrate`): the package imports this
module, so ``python -m workflow_file_status.migrate`` runs a module not imported before (no
runpy ``RuntimeWarning``).
"""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config

from workflow_file_status._migration_errors import MigrationError, as_migration_error

__all__ = ["DEFAULT_TEMPORAL_NAMESPACE", "HEAD", "alembic_config", "downgrade", "upgrade"]

logger = logging.getLogger(__name__)

HEAD = "head"
DEFAULT_TEMPORAL_NAMESPACE = "default"
_SCRIPTS = Path(__file__).parent / "migrations"
# Alembic keeps its running context in module globals: one migration per process at a time.
# (Across processes, env.py serialises PostgreSQL migrations with an advisory lock.)
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(
    database_url: str, *, temporal_namespace: str = DEFAULT_TEMPORAL_NAMESPACE
) -> Config:
    """An Alembic configuration for the package's migrations and this database.

    Args:
        database_url: The database (its password is kept, never printed).
        temporal_namespace: The Temporal namespace of the workers that wrote the existing
            history rows; revision 0002 derives their execution ids from it.
    """
    from workflow_file_status._engine import normalise_database_url

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option(
        "sqlalchemy.url", normalise_database_url(database_url).replace("%", "%%")
    )
    config.attributes["temporal_namespace"] = temporal_namespace
    return config


def upgrade(
    database_url: str,
    revision: str = HEAD,
    *,
    temporal_namespace: str = DEFAULT_TEMPORAL_NAMESPACE,
) -> None:
    """Migrates the database up to ``revision``. Blocking: from async code use a thread.

    Run it as the owner of the schema (the worker's role needs only the grants of
    `workflow_file_status.migrate.grant`).

    Args:
        database_url: The database.
        revision: Target revision (default: the latest).
        temporal_namespace: Namespace of the workers whose history rows are backfilled
            (see `alembic_config`).

    Raises:
        MigrationError: The migration failed (a role without the right to change the schema,
            an unreachable database...): one line that names the fix.
    """
    _run(
        lambda: command.upgrade(
            alembic_config(database_url, temporal_namespace=temporal_namespace), revision
        ),
        database_url,
        revision,
    )


def downgrade(database_url: str, revision: str) -> None:
    """Migrates the database down to ``revision`` (``base`` removes everything).

    Raises:
        MigrationError: The migration failed: one line that names the fix.
    """
    _run(lambda: command.downgrade(alembic_config(database_url), revision), database_url, revision)


def _run(migration: Callable[[], None], database_url: str, revision: str) -> None:
    with _ALEMBIC_LOCK:
        try:
            migration()
        except Exception as err:
            # The original (with its SQL) for whoever turns DEBUG on; the caller gets a line.
            logger.debug("migration failed", exc_info=err)
            failure: MigrationError = as_migration_error(
                err, action="migrate", database_url=database_url, revision=revision
            )
        else:
            return
    raise failure  # outside the handler: no driver exception (with its SQL) attached
