"""Settings of the ingestion worker, from the environment (prefix ``INGESTION_``) or ``.env``."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from workflow_shared_activities import SharedActivitiesConfig

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the worker connects and what it serves.

    Secrets (a database password, AWS credentials) come from the environment or the AWS
    credential chain and are never logged: ``database_url`` is hidden from ``repr``.
    """

    model_config = SettingsConfigDict(env_prefix="INGESTION_", env_file=".env", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "ingestion"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    event_bus_name: str = "workflow-events"
    event_source_prefix: str | None = None
    database_url: str = Field(default="sqlite+aiosqlite:///./files.db", repr=False)
    migrate: bool = Field(default=False, description="Run the schema migrations at start-up.")
    graceful_shutdown_seconds: float = 30.0
    log_level: str = "INFO"

    def shared_activities(self) -> SharedActivitiesConfig:
        """The shared activities' configuration."""
        return SharedActivitiesConfig(
            event_bus_name=self.event_bus_name,
            database_url=self.database_url,
            aws_region=self.aws_region,
            aws_endpoint_url=self.aws_endpoint_url,
            event_source_prefix=self.event_source_prefix,
            migrate=self.migrate,
        )
