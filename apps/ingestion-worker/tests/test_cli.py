"""The operator's commands, on the real dev server, moto's server and SQLite."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from ingestion_worker.cli import main
from ingestion_worker.settings import Settings
from ingestion_worker.worker import APP, build_plugin, build_worker
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from types_aiobotocore_events import EventBridgeClient
from types_aiobotocore_sqs import SQSClient
from workflow_devstack import MotoServer, free_port, make_route

GOOD, BAD = "a,b\n1,2\n3,4\n", "a,b\n1\n"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite database, migrated by the commands; the root logger restored after."""
    for key in list(os.environ):
        if key.startswith("INGESTION_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no .env from the caller's directory
    monkeypatch.setenv("INGESTION_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'files.db'}")
    monkeypatch.setenv("INGESTION_MIGRATE", "true")
    loggers = [logging.getLogger(name) for name in ("", "alembic", "workflow_file_status")]
    saved = logging.getLogger().handlers[:], [logger.level for logger in loggers]
    yield tmp_path
    logging.getLogger().handlers[:] = saved[0]
    for logger, level in zip(loggers, saved[1], strict=True):
        logger.setLevel(level)


def files(root: Path, **contents: str) -> dict[str, Path]:
    paths = {}
    for name, content in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        paths[name] = path
    return paths


def registered(output: str) -> dict[Path, str]:
    """``ID<TAB>PATH`` lines as {path: id}."""
    pairs = [line.split("\t") for line in output.splitlines()]
    assert all(len(pair) == 2 for pair in pairs), output
    return {Path(path): str(uuid.UUID(file_id)) for file_id, path in pairs}


async def cli(*argv: str) -> int:
    """``main(argv)`` in a thread: it runs its own event loop, the test's keeps serving."""
    return await asyncio.to_thread(main, list(argv))


def test_register_many_files_and_directories(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = files(
        cli_env / "in",
        **{
            "a.csv": GOOD,
            "notes.txt": "x",
            "deep/b.csv": GOOD,
            "deep/deeper/c.CSV.bak": "x",
            ".hidden/h.csv": GOOD,
            "deep/.h.csv": GOOD,
        },
    )
    single = files(cli_env, **{"single.txt": "y"})["single.txt"]
    # A directory filtered by --glob, a file given as it is, the same file twice: once.
    code = main(
        ["register", str(cli_env / "in"), str(single), str(made["a.csv"]), "--glob", "*.csv"]
    )
    assert code == 0
    ids = registered(capsys.readouterr().out)
    assert list(ids) == [made["a.csv"], made["deep/b.csv"], single]
    assert len(set(ids.values())) == 3

    # Without --glob: every regular (non-hidden) file of the directory.
    assert main(["register", str(cli_env / "in")]) == 0
    names = sorted(p.name for p in registered(capsys.readouterr().out))
    assert names == ["a.csv", "b.csv", "c.CSV.bak", "notes.txt"]

    assert main(["status", ids[single], "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["file"]["status"] == "PENDING" and document["file"]["uri"] == str(single)
    assert document["file"]["version"] == 1 and document["history"] == []


@pytest.mark.parametrize(
    "argv",
    [
        ["register", "does-not-exist.csv"],
        ["register", ".", "--glob", "*.nothing"],
        ["start", "not-a-uuid"],
        ["status", str(uuid.UUID(int=0))],
        ["frobnicate"],
        [],
    ],
    ids=["missing-path", "nothing-matches", "bad-uuid", "unknown-file", "unknown-command", "none"],
)
def test_usage_errors_exit_2(
    cli_env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().out == ""


def test_help_works_without_any_service() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ingestion_worker", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for command in ("run", "register", "start", "status", "Exit codes"):
        assert command in done.stdout


def test_run_with_temporal_unreachable_exits_3_and_never_prints_the_password(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGESTION_")}
    env |= {
        "INGESTION_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",  # nothing listens there
        "INGESTION_DATABASE_URL": "postgresql+asyncpg://app:hunter2@127.0.0.1:1/files",
        "INGESTION_AWS_ENDPOINT_URL_SQS": "http://127.0.0.1:9324",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ingestion_worker", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 3, done.stderr
    output = done.stdout + done.stderr
    assert "hunter2" not in output
    assert "database_url=postgresql+asyncpg://app:***@127.0.0.1:1/files" in output
    assert "sqs_endpoint=http://127.0.0.1:9324" in output and "cannot reach a service" in output


def test_run_exits_3_when_its_database_is_unreachable_at_start(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    # The worker fails while starting (its migration cannot connect): the command ends with
    # that error instead of waiting forever on a worker that never ran.
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGESTION_")}
    env |= {
        "INGESTION_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "INGESTION_TASK_QUEUE": f"ingestion-{uuid.uuid4()}",
        "INGESTION_DATABASE_URL": f"postgresql+asyncpg://app:hunter2@127.0.0.1:{free_port()}/x",
        "INGESTION_MIGRATE": "true",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ingestion_worker", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "hunter2" not in done.stdout + done.stderr
    assert "ConnectionRefusedError" in done.stderr


@pytest_asyncio.fixture
async def served(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
    moto_server: MotoServer,
    events_client: EventBridgeClient,
    sqs_client: SQSClient,
) -> AsyncIterator[Settings]:
    """The settings of a worker running on a task queue of its own (from the environment)."""
    route = await make_route(events_client, sqs_client, {"source": ["ingestion"]})
    for key, value in {
        "INGESTION_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
        "INGESTION_TASK_QUEUE": f"ingestion-{uuid.uuid4()}",
        "INGESTION_AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "INGESTION_EVENT_BUS_NAME": route.bus_name,
        "INGESTION_WORKER_VERSIONING": "false",  # not about versions (test_versioning is)
    }.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)
    plugin = build_plugin(settings)
    async with build_worker(temporal_env.client, settings, plugin):
        await asyncio.wait_for(plugin.resources.wait_until_open(), 10)
        yield settings


async def test_start_waits_prints_results_then_status_shows_the_history(
    served: Settings, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = files(cli_env / "batch", **{"good.csv": GOOD, "bad.csv": BAD})
    assert await cli("register", str(cli_env / "batch")) == 0
    ids = registered(capsys.readouterr().out)
    good, bad = ids[made["good.csv"]], ids[made["bad.csv"]]

    assert await cli("start", good, bad) == 1  # one of them ended FAILED
    results = {r["file_id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert results[good]["status"] == "COMPLETED" and results[good]["facts"]["rows"] == 2
    assert results[bad]["status"] == "FAILED" and results[bad]["error_type"] == "MalformedFile"
    assert results[good]["workflow_id"] == f"ingest-{good}"

    assert await cli("status", good, "--json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["file"]["status"] == "COMPLETED" and document["file"]["version"] == 3
    assert [(h["from_status"], h["to_status"]) for h in document["history"]] == [
        ("PENDING", "PROCESSING"),
        ("PROCESSING", "COMPLETED"),
    ]
    assert {h["workflow_id"] for h in document["history"]} == {f"ingest-{good}"}

    assert await cli("status", bad) == 1  # the file is FAILED
    table = capsys.readouterr().out
    assert "status   FAILED (version 3)" in table and "PROCESSING  FAILED" in table


async def test_start_no_wait_returns_at_once_with_the_workflow_ids(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporal_env: WorkflowEnvironment,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No worker polls this queue: only a start that does not wait can return.
    monkeypatch.setenv(
        "INGESTION_TEMPORAL_ADDRESS", temporal_env.client.service_client.config.target_host
    )
    monkeypatch.setenv("INGESTION_TASK_QUEUE", f"nobody-{uuid.uuid4()}")
    monkeypatch.setenv("INGESTION_ACTIVITY_MODE", "local")
    file_ids = [str(uuid.uuid4()) for _ in range(3)]
    assert await asyncio.wait_for(cli("start", "--no-wait", *file_ids), 30) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert lines == [[f, f"ingest-{f}"] for f in file_ids]
    for _, workflow_id in lines:
        handle = temporal_env.client.get_workflow_handle(workflow_id)
        assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
        history = await handle.fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        assert [json.loads(p.data) for p in started.input.payloads][1:] == ["local"]  # the mode
        await handle.terminate("test over")


async def test_run_logs_its_configuration_then_ready_once_the_clients_are_open(
    served: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = served.model_copy(update={"task_queue": f"ingestion-{uuid.uuid4()}"})
    stop = asyncio.Event()
    serving = asyncio.create_task(APP.serve(settings, stop))
    try:
        for _ in range(100):
            if any("ingestion-worker ready" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
    messages = [r.getMessage() for r in caplog.records]
    starting = next(i for i, m in enumerate(messages) if m.startswith("ingestion-worker starting"))
    opened = next(i for i, m in enumerate(messages) if m.startswith("shared activities ready"))
    ready = next(i for i, m in enumerate(messages) if m.startswith("ingestion-worker ready"))
    assert starting < opened < ready
    assert f"task_queue={settings.task_queue}" in messages[starting]
    assert "activity_mode=regular" in messages[starting]
