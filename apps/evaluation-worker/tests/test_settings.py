import pytest
from evaluation_worker.settings import Settings


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
