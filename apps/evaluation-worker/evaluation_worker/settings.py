"""Settings of the evaluation worker, from the environment (prefix ``EVALUATION_``) or ``.env``."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from workflow_shared_activities import SharedActivitiesConfig

from evaluation_worker.consumer import ingestion_source

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the worker connects, what it serves and the queue it consumes.

    Secrets come from the environment or the AWS credential chain and are never logged:
    ``database_url`` is hidden from ``repr``.
    """

    model_config = SettingsConfigDict(env_prefix="EVALUATION_", env_file=".env", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "evaluation"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    event_bus_name: str = "workflow-events"
    event_source_prefix: str | None = None
    queue_url: str | None = Field(default=None, description="SQS queue of ingestion events.")
    ingestion_event_source: str | None = Field(
        default=None,
        description="Bus `Source` of the ingestion events the consumer accepts "
        "(default: `ingestion`, after `event_source_prefix.` when that is set).",
    )
    database_url: str = Field(default="sqlite+aiosqlite:///./files.db", repr=False)
    score_threshold: float = 0.8
    migrate: bool = False
    graceful_shutdown_seconds: float = 30.0
    log_level: str = "INFO"

    def ingestion_source(self) -> str:
        """The bus ``Source`` of the ingestion events that start evaluations."""
        return self.ingestion_event_source or ingestion_source(self.event_source_prefix)

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
