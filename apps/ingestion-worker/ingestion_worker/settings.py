"""Settings of the ingestion worker, from the environment (prefix ``INGESTION_``) or ``.env``.

The common fields (Temporal, AWS endpoints, bus, database, pool size, timeouts, mode, logging)
are `AppSettings`'; see ``apps/ingestion-worker/README.md`` for the variables.
"""

from workflow_shared_activities.app import AppSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(AppSettings):
    """Where the ingestion worker connects and what it serves."""

    model_config = SettingsConfigDict(env_prefix="INGESTION_")

    task_queue: str = "ingestion"
