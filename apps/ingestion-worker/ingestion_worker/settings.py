"""Settings of the ingestion worker, from the environment (prefix `INGESTION_`) or a .env file."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Where the worker connects and what it serves.

    Secrets (the database password, AWS credentials) come from the environment or the
    AWS credential chain and are never logged: `database_url` is hidden from `repr`.
    """

    model_config = SettingsConfigDict(env_prefix="INGESTION_", env_file=".env", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "ingestion"
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None
    event_bus_name: str = "workflow-events"
    database_url: str = Field(default="sqlite+aiosqlite:///./files.db", repr=False)
