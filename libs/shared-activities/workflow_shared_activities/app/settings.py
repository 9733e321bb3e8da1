"""The settings every worker app shares: `AppSettings`, read from prefixed environment variables.

An app subclasses it with its own prefix and defaults::

    class Settings(AppSettings):
        model_config = SettingsConfigDict(env_prefix="INGESTION_")
        task_queue: str = "ingestion"

Needs ``pydantic-settings`` (the ``app`` extra of ``workflow-shared-activities``); the rest of
the package does not.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import Field, field_validator, model_validator
from sqlalchemy.engine import make_url
from workflow_contracts import ActivityMode, StageTimeouts
from workflow_events import EventSettings
from workflow_file_status import FileStatusSettings
from workflow_file_status._engine import DEFAULT_SQLITE_URL, database_pooler

from workflow_shared_activities._config import SharedActivitiesConfig

try:
    from pydantic_settings import BaseSettings, SettingsConfigDict
except ImportError as err:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "workflow_shared_activities.app needs pydantic-settings: install "
        "workflow-shared-activities[app] (or pydantic-settings>=2.7)"
    ) from err

__all__ = ["AppSettings", "SettingsConfigDict", "redact_url"]

_SECRET_QUERY_KEYS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "token", "sslpassword", "api_key", "apikey"}
)
_REDACTED = "***"

_DEFAULT_START_TO_CLOSE_SECONDS = 10.0


def redact_url(url: str | None) -> str | None:
    """The URL without its secrets: the password (``user:***@host``) and secret query values.

    Works for database URLs (``postgresql+asyncpg://u:pw@host/db?sslpassword=x``) and HTTP
    endpoints alike; a string that is not a URL comes back as ``***`` (it might be a secret).
    """
    if url is None:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return _REDACTED
    if not parts.scheme or not url[len(parts.scheme) + 1 :].startswith("//"):
        return _REDACTED
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{_REDACTED}@{host}" if ":" in userinfo else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, _REDACTED if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs],
            safe="*",
        )
    # Rebuilt by hand: urlunsplit drops the empty authority of sqlite:////abs/path.
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


class AppSettings(BaseSettings):
    """What every worker app configures; subclasses set ``env_prefix`` and their defaults.

    Secrets (a database password, AWS credentials) come from the environment or the AWS
    credential chain and are never logged: ``database_url`` is hidden from ``repr`` and
    `effective_config` redacts its password.

    AWS endpoints follow botocore's convention, per service, under the app's prefix:
    ``<PREFIX>AWS_ENDPOINT_URL_EVENTS`` (EventBridge), ``<PREFIX>AWS_ENDPOINT_URL_SQS``, falling
    back to ``<PREFIX>AWS_ENDPOINT_URL``. When none is set the clients get no endpoint and
    botocore's own chain applies: ``AWS_ENDPOINT_URL_EVENTBRIDGE`` (botocore names the variable
    after the service id, EventBridge), ``AWS_ENDPOINT_URL_SQS``, ``AWS_ENDPOINT_URL``, then the
    shared config file's ``services`` section, then AWS itself.
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        hide_input_in_errors=True,  # a refused database URL may hold a password
    )

    app_distribution: ClassVar[str | None] = None
    """The distribution the app is installed as (``ingestion-worker``): the default
    ``deployment_name``, and its installed version the default ``build_id``."""

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = Field(description="The worker's task queue (each app sets its default).")
    aws_region: str | None = Field(
        default="us-east-1", description="Empty: the AWS configuration chain decides."
    )
    aws_endpoint_url: str | None = Field(
        default=None, description="Endpoint of every AWS service (an emulator); None for AWS."
    )
    aws_endpoint_url_events: str | None = Field(
        default=None, description="EventBridge endpoint; overrides aws_endpoint_url."
    )
    aws_endpoint_url_sqs: str | None = Field(
        default=None, description="SQS endpoint; overrides aws_endpoint_url."
    )
    event_bus_name: str = "workflow-events"
    event_source_prefix: str | None = None
    database_url: str = Field(default=DEFAULT_SQLITE_URL, repr=False)
    database_pool_size: int = Field(
        default=10, ge=1, description="Connections the worker's pool keeps (PostgreSQL)."
    )
    migrate: bool = Field(default=False, description="Run the schema migrations at start-up.")
    graceful_shutdown_seconds: float = Field(default=30.0, ge=0)
    log_level: str = "INFO"
    metrics_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve Prometheus metrics (Temporal's and the shared activities') at "
        "http://<metrics_host>:<port>/metrics; unset: no metrics endpoint.",
    )
    metrics_host: str = Field(default="127.0.0.1", description="Address the metrics listen on.")
    health_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Serve /healthz and /readyz at http://<health_host>:<port> (0: a free "
        "port, logged); unset: no health endpoints.",
    )
    health_host: str = Field(
        default="127.0.0.1", description="Address the health endpoints listen on."
    )
    health_check_timeout_seconds: float = Field(
        default=2.0, gt=0, description="Limit of each readiness check (Temporal, database, bus)."
    )
    tracing: bool = Field(
        default=False,
        description="Trace workflows, activities and events (Temporal's OpenTelemetryPlugin).",
    )
    trace_file: str | None = Field(
        default=None,
        description="With tracing: append finished spans to this file as JSON lines.",
    )
    activity_mode: ActivityMode = Field(
        default=ActivityMode.REGULAR,
        description="How the workflows this app starts run their activities (regular or "
        "local); given to each workflow when it starts.",
    )
    activity_start_to_close_seconds: float = Field(
        default=_DEFAULT_START_TO_CLOSE_SECONDS,
        gt=0,
        description="Limit of one attempt of a shared activity.",
    )
    activity_schedule_to_close_seconds: float | None = Field(
        default=None, gt=0, description="Limit of all attempts of a shared activity (None: none)."
    )
    worker_versioning: bool = Field(
        default=True,
        description="Run as a version (deployment_name + build_id) of a Temporal Worker "
        "Deployment; false: an unversioned worker.",
    )
    deployment_name: str = Field(
        description="The Worker Deployment the worker belongs to (default: the app's name).",
    )
    build_id: str = Field(
        description="The worker's version within its deployment (default: the app's "
        "installed version).",
    )

    @model_validator(mode="before")
    @classmethod
    def _version_from_distribution(cls, data: Any) -> Any:
        # Defaults that depend on the subclass: its distribution's name and installed version.
        # Left out when unknown, so that a missing value is reported under its own field.
        if not isinstance(data, dict) or cls.app_distribution is None:
            return data
        data = dict(data)
        data.setdefault("deployment_name", cls.app_distribution)
        if "build_id" not in data:
            with contextlib.suppress(PackageNotFoundError):
                data["build_id"] = version(cls.app_distribution)
        return data

    @field_validator("deployment_name", "build_id")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if value != value.strip():
            raise ValueError("must not start or end with a space")
        return value

    @field_validator("deployment_name")
    @classmethod
    def _no_dot(cls, value: str) -> str:
        # Temporal writes a version as "<deployment_name>.<build_id>" and splits it at the
        # first dot: a dot in the name would make another deployment of it.
        if "." in value:
            raise ValueError("must not contain '.' (the build id may)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"unknown log level {value!r} (DEBUG, INFO, WARNING, ERROR)")
        return level

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        # The message never quotes the URL: it may hold a password.
        try:
            backend = make_url(value).get_backend_name()
        except Exception:
            raise ValueError("not a database URL (e.g. postgresql+asyncpg://...)") from None
        if backend not in ("postgresql", "sqlite"):
            raise ValueError(
                f"unsupported database {backend!r}: PostgreSQL (postgresql+asyncpg://) or "
                "SQLite (sqlite+aiosqlite://)"
            )
        database_pooler(value)  # ?pooler=...: refused at start, not at the first call
        return value

    @field_validator(
        "aws_region",
        "aws_endpoint_url",
        "aws_endpoint_url_events",
        "aws_endpoint_url_sqs",
        "event_source_prefix",
        "trace_file",
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        # An exported but empty variable (FOO_AWS_ENDPOINT_URL=) means "not set".
        return value or None

    def events_endpoint_url(self) -> str | None:
        """The EventBridge endpoint: ``aws_endpoint_url_events``, else ``aws_endpoint_url``."""
        return self.aws_endpoint_url_events or self.aws_endpoint_url

    def sqs_endpoint_url(self) -> str | None:
        """The SQS endpoint: ``aws_endpoint_url_sqs``, else ``aws_endpoint_url``."""
        return self.aws_endpoint_url_sqs or self.aws_endpoint_url

    def stage_timeouts(self) -> StageTimeouts | None:
        """The timeouts of the shared-activity calls of the workflows this app starts.

        None when both are at their defaults (the start then passes no timeouts at all, so
        older workers keep running it during a rolling deploy).
        """
        start = self.activity_start_to_close_seconds
        total = self.activity_schedule_to_close_seconds
        if start == _DEFAULT_START_TO_CLOSE_SECONDS and total is None:
            return None
        return StageTimeouts(
            start_to_close=timedelta(seconds=start),
            schedule_to_close=timedelta(seconds=total) if total is not None else None,
        )

    def shared_activities(self) -> SharedActivitiesConfig:
        """The shared activities' configuration, one settings object per package."""
        return SharedActivitiesConfig(
            events=EventSettings(
                bus_name=self.event_bus_name, source_prefix=self.event_source_prefix
            ),
            file_status=FileStatusSettings(
                database_url=self.database_url,
                migrate=self.migrate,
                pool_size=self.database_pool_size,
            ),
            aws_region=self.aws_region,
            aws_endpoint_url=self.events_endpoint_url(),
        )

    def effective_config(self) -> dict[str, Any]:
        """What the app runs with, safe to log: no password, no credentials.

        Subclasses add their own entries (``super().effective_config() | {...}``).
        """
        return {
            "temporal_address": self.temporal_address,
            "temporal_namespace": self.temporal_namespace,
            "task_queue": self.task_queue,
            "activity_mode": self.activity_mode.value,
            "database_url": redact_url(self.database_url),
            "database_pool_size": self.database_pool_size,
            "migrate": self.migrate,
            "aws_region": self.aws_region,
            "events_endpoint": redact_url(self.events_endpoint_url()) or "(botocore default)",
            "sqs_endpoint": redact_url(self.sqs_endpoint_url()) or "(botocore default)",
            "event_bus_name": self.event_bus_name,
            "event_source_prefix": self.event_source_prefix,
            "activity_start_to_close_seconds": self.activity_start_to_close_seconds,
            "activity_schedule_to_close_seconds": self.activity_schedule_to_close_seconds,
            "graceful_shutdown_seconds": self.graceful_shutdown_seconds,
            "metrics": f"{self.metrics_host}:{self.metrics_port}"
            if self.metrics_port is not None
            else "off",
            "health": f"{self.health_host}:{self.health_port}"
            if self.health_port is not None
            else "off",
            "health_check_timeout_seconds": self.health_check_timeout_seconds,
            "tracing": self.tracing,
            "worker_versioning": self.worker_versioning,
            "deployment_name": self.deployment_name,
            "build_id": self.build_id,
        }

    def describe(self) -> str:
        """`effective_config` as one ``key=value`` line, for a log message."""
        return " ".join(f"{k}={v}" for k, v in self.effective_config().items())
