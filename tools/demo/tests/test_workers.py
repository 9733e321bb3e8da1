"""How the demo hands its settings to the apps' worker processes."""

from __future__ import annotations

from typing import Any

import pytest
from evaluation_worker.settings import Settings as EvaluationSettings
from ingestion_worker.settings import Settings as IngestionSettings
from workflow_contracts import ActivityMode
from workflow_demo.workers import app_environment


def test_each_app_reads_back_the_settings_the_demo_gives_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    common: dict[str, Any] = {
        "temporal_address": "127.0.0.1:7999",
        "aws_endpoint_url": "http://127.0.0.1:5999",
        "aws_region": "us-east-1",
        "event_bus_name": "demo-bus",
        "database_url": "sqlite+aiosqlite:////tmp/demo-files.db",
        "graceful_shutdown_seconds": 7.5,
        "activity_mode": ActivityMode.LOCAL,
    }
    given = [
        IngestionSettings(task_queue="demo-ingestion", **common),
        EvaluationSettings(
            task_queue="demo-evaluation", queue_url="http://127.0.0.1:5999/q", **common
        ),
    ]
    for settings in given:
        env = app_environment(settings)
        prefix = "INGESTION_" if isinstance(settings, IngestionSettings) else "EVALUATION_"
        assert all(name.startswith(prefix) for name in env)
        assert env[f"{prefix}ACTIVITY_MODE"] == "local"
        assert env[f"{prefix}LOG_LEVEL"] == "WARNING"
        with monkeypatch.context() as patched:
            patched.chdir("/")  # no .env file read
            for name, value in env.items():
                patched.setenv(name, value)
            read = type(settings)()
        for field in (
            "temporal_address",
            "task_queue",
            "database_url",
            "activity_mode",
            "worker_versioning",
            "deployment_name",
            "build_id",
        ):
            assert getattr(read, field) == getattr(settings, field)
        assert read.events_endpoint_url() == "http://127.0.0.1:5999"
        assert read.graceful_shutdown_seconds == 7.5
    evaluation = app_environment(given[1])
    assert evaluation["EVALUATION_QUEUE_URL"] == "http://127.0.0.1:5999/q"
    assert "INGESTION_QUEUE_URL" not in app_environment(given[0])
