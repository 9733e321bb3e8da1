"""Schema migrations (Alembic) from Python: `upgrade` and `downgrade`.

Kept apart from the command line (`workflow_file_status.migrate`): the package imports this
module, so ``python -m workflow_file_status.migrate`` runs a module not imported before (no
runpy ``RuntimeWarning``).
"""

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

__all__ = ["DEFAULT_TEMPORAL_NAMESPACE", "HEAD", "alembic_config", "downgrade", "upgrade"]

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
    from workflow_file_status.engine import normalise_database_url

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

    Args:
        database_url: The database.
        revision: Target revision (default: the latest).
        temporal_namespace: Namespace of the workers whose history rows are backfilled
            (see `alembic_config`).
    """
    with _ALEMBIC_LOCK:
        command.upgrade(
            alembic_config(database_url, temporal_namespace=temporal_namespace), revision
        )


def downgrade(database_url: str, revision: str) -> None:
    """Migrates the database down to ``revision`` (``base`` removes everything)."""
    with _ALEMBIC_LOCK:
        command.downgrade(alembic_config(database_url), revision)
