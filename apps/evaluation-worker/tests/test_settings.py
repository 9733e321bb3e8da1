import logging

import pytest
from evaluation_worker.settings import Settings
from evaluation_worker.worker import APP


def test_defaults_use_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALUATION_DATABASE_URL", raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.task_queue == "evaluation"


def test_environment_overrides_and_secret_is_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALUATION_DATABASE_URL", "postgresql+asyncpg://u:hunter2@db/x")
    monkeypatch.setenv("EVALUATION_TASK_QUEUE", "q1")
    settings = Settings(_env_file=None)
    assert settings.database_url.endswith("@db/x")
    assert settings.task_queue == "q1"
    assert "hunter2" not in repr(settings)


def test_the_consumer_s_queue_uses_the_sqs_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVALUATION_AWS_ENDPOINT_URL", "http://common:4566")
    monkeypatch.setenv("EVALUATION_AWS_ENDPOINT_URL_SQS", "http://sqs:9324")
    monkeypatch.delenv("EVALUATION_AWS_ENDPOINT_URL_EVENTS", raising=False)
    settings = Settings(_env_file=None)
    assert settings.sqs_endpoint_url() == "http://sqs:9324"
    assert settings.shared_activities().aws_endpoint_url == "http://common:4566"


def test_effective_configuration_names_the_queue_and_hides_the_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("EVALUATION_DATABASE_URL", "postgresql://ev:hunter2@db/files")
    monkeypatch.setenv("EVALUATION_QUEUE_URL", "http://sqs:9324/000000000000/q-ingested")
    caplog.set_level(logging.INFO)
    APP.log_effective_config(Settings(_env_file=None))
    assert "hunter2" not in caplog.text
    assert "database_url=postgresql://ev:***@db/files" in caplog.text
    assert "queue_url=http://sqs:9324/000000000000/q-ingested" in caplog.text
    assert "ingestion_source=ingestion" in caplog.text and "task_queue=evaluation" in caplog.text


def test_a_shared_nexus_endpoint_travels_with_each_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    from evaluation_worker.workflows import EvaluateFileWorkflow

    monkeypatch.setenv("EVALUATION_SHARED_NEXUS_ENDPOINT", "shared")
    settings = Settings(_env_file=None)
    assert settings.shared_nexus_endpoint == "shared"
    file_id = uuid.uuid4()
    args = EvaluateFileWorkflow.start_args(file_id, None, None, settings.shared_nexus_endpoint)
    assert args[3] == "shared" and len(args) == 4
    # Unset, the start is the same as before.
    assert EvaluateFileWorkflow.start_args(file_id, None, None, None) == [file_id]
