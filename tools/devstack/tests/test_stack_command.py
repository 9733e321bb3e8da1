"""The operator's stack command, run as a subprocess as an operator runs it."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from temporalio.testing import WorkflowEnvironment
from workflow_devstack import MotoServer
from workflow_devstack.stack import main

STACK = [sys.executable, "-m", "workflow_devstack.stack"]


def exports(text: str) -> dict[str, str]:
    """The ``export KEY=VALUE`` lines, as ``source`` would read them."""
    found = {}
    for line in text.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            [found[key]] = shlex.split(value)
    return found


def check_routes(endpoint: str, env: dict[str, str], bus: str) -> None:
    """The bus, both rules and their targets, both queues with their dead-letter queues."""
    session = boto3.Session(  # the dummy credentials the stack printed
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    events = session.client("events", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    assert bus in [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    rules = {r["Name"]: r for r in events.list_rules(EventBusName=bus)["Rules"]}
    pattern = json.loads(rules["rule-ingested-to-evaluation"]["EventPattern"])
    assert pattern == {"source": ["ingestion"], "detail-type": ["file_ingested_successfully"]}
    assert "rule-audit" in rules
    queue_url = env["EVALUATION_QUEUE_URL"]
    [target] = events.list_targets_by_rule(Rule="rule-ingested-to-evaluation", EventBusName=bus)[
        "Targets"
    ]
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert target["Arn"] == attrs["QueueArn"]
    redrive: dict[str, Any] = json.loads(attrs["RedrivePolicy"])
    urls = sqs.list_queues()["QueueUrls"]
    dlq_url = next(u for u in urls if u.endswith("/q-ingested-to-evaluation-dlq"))
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    assert redrive["deadLetterTargetArn"] == dlq_arn["Attributes"]["QueueArn"]
    assert any(u.endswith("/q-audit") for u in urls) and any(
        u.endswith("/q-audit-dlq") for u in urls
    )


def test_stack_starts_temporal_and_moto_prints_the_apps_variables_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    env_file = tmp_path / "stack.env"
    argv = [*STACK, "--temporal-port", "0", "--moto-port", "0", "--no-ui", "--lifetime", "120"]
    argv += ["--env-file", str(env_file), "--workdir", str(tmp_path / "state")]
    process = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:  # the export lines come once everything exists
            lines.append(line)
            if line.startswith("export EVALUATION_QUEUE_URL="):
                break
        env = exports("".join(lines))
        assert env_file.read_text() == "".join(lines)
        for prefix in ("INGESTION_", "EVALUATION_"):
            for name in ("TEMPORAL_ADDRESS", "AWS_ENDPOINT_URL", "EVENT_BUS_NAME", "DATABASE_URL"):
                assert env[prefix + name] == env["INGESTION_" + name], prefix + name
        assert env["AWS_ACCESS_KEY_ID"] == "testing"  # the emulator's dummy credentials
        assert env["INGESTION_DATABASE_URL"].endswith(str(tmp_path / "state" / "files.db"))
        assert (tmp_path / "state" / "files.db").is_file()  # migrated by the stack
        check_routes(env["INGESTION_AWS_ENDPOINT_URL"], env, env["INGESTION_EVENT_BUS_NAME"])
        host, port = env["INGESTION_TEMPORAL_ADDRESS"].split(":")
        with socket.create_connection((host, int(port)), timeout=5):
            pass  # Temporal listens
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read() if process.stderr else ""
    assert "stack ready (started temporal and moto)" in stderr, stderr[-2000:]


def test_stack_targets_the_given_services_and_exits_after_its_lifetime(
    tmp_path: Path, temporal_env: WorkflowEnvironment, moto_server: MotoServer
) -> None:
    bus = f"stack-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    argv = [*STACK, "--endpoint", moto_server.endpoint_url, "--bus", bus, "--keep-running"]
    argv += ["--temporal-address", temporal_env.client.service_client.config.target_host]
    done = subprocess.run(
        [*argv, "--lifetime", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert time.monotonic() - started < 60
    env = exports(done.stdout)
    assert env["INGESTION_AWS_ENDPOINT_URL"] == moto_server.endpoint_url
    assert env["EVALUATION_EVENT_BUS_NAME"] == bus
    check_routes(moto_server.endpoint_url, env, bus)  # still there: moto outlives the stack
    assert "stack ready (started nothing)" in done.stderr
    assert list(tmp_path.iterdir()) == []  # its temporary work directory is gone


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--temporal-port", "70000"], 2),
        (["--lifetime", "-1"], 2),
        (["--bogus"], 2),
        (["--temporal-address", "127.0.0.1:1", "--endpoint", "http://127.0.0.1:1"], 3),
    ],
)
def test_bad_usage_and_unreachable_services(argv: list[str], code: int) -> None:
    assert main(argv) == code
