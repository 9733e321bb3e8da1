import dataclasses
import logging
import os
from datetime import timedelta
from uuid import UUID

import aioboto3
import pytest
from ingestion_worker.settings import Settings
from ingestion_worker.worker import APP
from ingestion_worker.workflows import IngestFileWorkflow
from pydantic import ValidationError
from workflow_contracts import ActivityMode, StageTimeouts
from workflow_shared_activities import SharedActivitiesConfig

CONFIG_FIELDS = {f.name for f in dataclasses.fields(SharedActivitiesConfig)}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only what a test sets: no INGESTION_* or botocore endpoint from the caller's shell.
    for key in list(os.environ):
        if key.startswith("INGESTION_") or key.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(key)


def test_defaults_use_embedded_sqlite() -> None:
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.task_queue == "ingestion"
    assert settings.activity_mode is ActivityMode.REGULAR
    assert settings.events_endpoint_url() is None and settings.sqs_endpoint_url() is None


def test_environment_overrides_and_secret_is_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGESTION_DATABASE_URL", "postgresql+asyncpg://u:hunter2@db/x")
    monkeypatch.setenv("INGESTION_TASK_QUEUE", "q1")
    settings = Settings(_env_file=None)
    assert settings.database_url.endswith("@db/x")
    assert settings.task_queue == "q1"
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in repr(settings.shared_activities())


def test_per_service_endpoints_fall_back_to_the_common_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL", "http://common:4566")
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL_SQS", "http://sqs:9324")
    settings = Settings(_env_file=None)
    assert settings.events_endpoint_url() == "http://common:4566"
    assert settings.sqs_endpoint_url() == "http://sqs:9324"
    assert settings.shared_activities().aws_endpoint_url == "http://common:4566"

    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL_EVENTS", "http://events:4010")
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL_SQS", "")  # exported but empty: not set
    settings = Settings(_env_file=None)
    assert settings.events_endpoint_url() == "http://events:4010"
    assert settings.sqs_endpoint_url() == "http://common:4566"
    assert settings.shared_activities().aws_endpoint_url == "http://events:4010"


async def test_without_a_prefixed_endpoint_botocore_reads_its_own_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore names the EventBridge variable after the service id: ..._EVENTBRIDGE.
    monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", "http://eventbridge.local:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://sqs.local:2")
    session = aioboto3.Session()

    async def endpoints(settings: Settings) -> tuple[str, str]:
        async with (
            session.client(
                "events", region_name="us-east-1", endpoint_url=settings.events_endpoint_url()
            ) as events,
            session.client(
                "sqs", region_name="us-east-1", endpoint_url=settings.sqs_endpoint_url()
            ) as sqs,
        ):
            return events.meta.endpoint_url, sqs.meta.endpoint_url

    assert await endpoints(Settings(_env_file=None)) == (
        "http://eventbridge.local:1",
        "http://sqs.local:2",
    )
    # A prefixed setting is passed explicitly, so it wins over botocore's variables.
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL", "http://mine:3")
    assert await endpoints(Settings(_env_file=None)) == ("http://mine:3", "http://mine:3")


def test_pool_size_mode_and_timeouts_are_read_and_passed_where_supported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INGESTION_DATABASE_POOL_SIZE", "25")
    monkeypatch.setenv("INGESTION_ACTIVITY_MODE", "local")
    monkeypatch.setenv("INGESTION_ACTIVITY_START_TO_CLOSE_SECONDS", "12.5")
    monkeypatch.setenv("INGESTION_ACTIVITY_SCHEDULE_TO_CLOSE_SECONDS", "600")
    settings = Settings(_env_file=None)
    assert settings.database_pool_size == 25
    assert settings.activity_mode is ActivityMode.LOCAL
    config = settings.shared_activities()
    assert config.file_status.pool_size == 25
    # The timeouts travel with each workflow start (the workflow schedules the activities).
    assert settings.stage_timeouts() == StageTimeouts(
        start_to_close=timedelta(seconds=12.5), schedule_to_close=timedelta(seconds=600)
    )
    args = IngestFileWorkflow.start_args(FILE_ID, settings.activity_mode, settings.stage_timeouts())
    assert args == [FILE_ID, ActivityMode.LOCAL, settings.stage_timeouts()]


def test_default_timeouts_start_workflows_exactly_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(_env_file=None)
    assert settings.stage_timeouts() is None
    assert IngestFileWorkflow.start_args(FILE_ID, settings.activity_mode, None) == [FILE_ID]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INGESTION_ACTIVITY_MODE", "sometimes"),
        ("INGESTION_DATABASE_POOL_SIZE", "0"),
        ("INGESTION_ACTIVITY_START_TO_CLOSE_SECONDS", "-1"),
        ("INGESTION_LOG_LEVEL", "LOUD"),
        ("INGESTION_DATABASE_URL", "mysql://app:hunter2@db/files"),
        ("INGESTION_DATABASE_URL", "hunter2"),
        ("INGESTION_DATABASE_URL", "postgresql://app:hunter2@db/files?pooler=session"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as info:
        Settings(_env_file=None)
    assert "hunter2" not in str(info.value)  # refused values are not quoted


def test_effective_configuration_is_logged_without_the_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(
        "INGESTION_DATABASE_URL", "postgresql+asyncpg://app:hunter2@db:5432/files?sslpassword=s3cr"
    )
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL_EVENTS", "http://events:4010")
    monkeypatch.setenv("INGESTION_AWS_ENDPOINT_URL_SQS", "http://sqs:9324")
    monkeypatch.setenv("INGESTION_TASK_QUEUE", "ingest-q")
    monkeypatch.setenv("INGESTION_ACTIVITY_MODE", "local")
    caplog.set_level(logging.INFO)
    APP.log_effective_config(Settings(_env_file=None))
    text = caplog.text
    assert "hunter2" not in text and "s3cr" not in text
    assert "database_url=postgresql+asyncpg://app:***@db:5432/files" in text
    for needle in (
        "events_endpoint=http://events:4010",
        "sqs_endpoint=http://sqs:9324",
        "task_queue=ingest-q",
        "activity_mode=local",
        "temporal_address=127.0.0.1:7233",
    ):
        assert needle in text


FILE_ID = UUID("00000000-0000-4000-8000-000000000001")


def test_a_pooled_database_url_is_accepted_and_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://app:hunter2@pgbouncer:6432/files?pooler=transaction"
    monkeypatch.setenv("INGESTION_DATABASE_URL", url)
    settings = Settings(_env_file=None)
    assert settings.shared_activities().file_status.database_url == url
    assert "?pooler=transaction" in settings.describe()
    assert "hunter2" not in settings.describe()


def test_health_endpoints_are_off_by_default_and_set_by_their_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(_env_file=None)
    assert settings.health_port is None and settings.health_host == "127.0.0.1"
    assert settings.health_check_timeout_seconds == 2.0
    assert settings.effective_config()["health"] == "off"

    monkeypatch.setenv("INGESTION_HEALTH_PORT", "8081")
    monkeypatch.setenv("INGESTION_HEALTH_HOST", "0.0.0.0")
    monkeypatch.setenv("INGESTION_HEALTH_CHECK_TIMEOUT_SECONDS", "0.5")
    settings = Settings(_env_file=None)
    assert settings.effective_config()["health"] == "0.0.0.0:8081"
    assert "health=0.0.0.0:8081 health_check_timeout_seconds=0.5" in settings.describe()

    for name, value in [("HEALTH_PORT", "70000"), ("HEALTH_CHECK_TIMEOUT_SECONDS", "0")]:
        monkeypatch.setenv(f"INGESTION_{name}", value)
        with pytest.raises(ValidationError):
            Settings(_env_file=None)
        monkeypatch.delenv(f"INGESTION_{name}")


def test_a_shared_nexus_endpoint_travels_with_each_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INGESTION_SHARED_NEXUS_ENDPOINT", "shared")
    settings = Settings(_env_file=None)
    assert settings.shared_nexus_endpoint == "shared"
    args = IngestFileWorkflow.start_args(
        FILE_ID, settings.activity_mode, None, None, settings.shared_nexus_endpoint
    )
    assert args == [FILE_ID, ActivityMode.REGULAR, None, None, "shared"]
    # Unset (the default), the start is the same as before.
    assert IngestFileWorkflow.start_args(FILE_ID, None, None, None, None) == [FILE_ID]
