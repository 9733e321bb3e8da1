"""Records the reference workflows' corpus on a real stack.

    python -m workflow_replay.record [--version X.Y.Z] [--root PATH] [--mode M] [--case NAME]

Starts the demo's stack (Temporal dev server, moto, a fresh PostgreSQL database), serves
`REFERENCE_APP` in this process (the real `SharedActivitiesPlugin` worker), runs every case
once per activity mode and writes each closed run's history to
``tools/replay/histories/<version>/<mode>-<case>.json`` with its ``index.json`` entry, through
the apps' recorder's writer (`workflow_demo.histories.write_corpus`). ``<version>`` defaults to
the libraries' version (``libs/contracts/pyproject.toml``). Exit code 0 only if every case ended
as expected; a history of an unexpected outcome is not written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tomllib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import aioboto3
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle, WorkflowHistory
from workflow_contracts import ActivityMode, describe_failure
from workflow_demo.histories import write_corpus
from workflow_demo.stack import BUS_NAME, LocalStack, local_stack
from workflow_devstack import create_database, drop_database
from workflow_file_status import FileCreate, create_engine, repository_for

from workflow_replay.app import REFERENCE_APP, ReferenceSettings
from workflow_replay.workflows import (
    FileStageWorkflow,
    LateTopicWorkflow,
    ReferenceInput,
    ReferenceResult,
    StandaloneCallsWorkflow,
)

__all__ = ["CASES", "DEFAULT_ROOT", "corpus_dir", "libraries_version", "main", "record"]

DEFAULT_ROOT = Path(__file__).resolve().parents[3]
"""The workspace root."""

OPERATOR_RETRY_SECONDS = 1.0
"""The recording worker's operator retry delay: longer than the local retry threshold
(`workflow_replay.workflows.LOCAL_TIMER_THRESHOLD`), short enough to record quickly."""

LATE_TOPIC_AFTER_SECONDS = 2.5
"""The late topic is created after this long: two or three attempts have failed by then."""


def corpus_dir(root: Path, version: str) -> Path:
    """Where the reference histories of one version live."""
    return root / "tools" / "replay" / "histories" / version


def libraries_version(root: Path = DEFAULT_ROOT) -> str:
    """The libraries' current version (every library shares it; the contracts' is read)."""
    with (root / "libs" / "contracts" / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["tool"]["poetry"]["version"])


@dataclass
class _Run:
    client: Client
    stack: LocalStack
    settings: ReferenceSettings
    register: Callable[[], Awaitable[UUID]]
    topic_arn: str


@dataclass(frozen=True)
class Case:
    """One recorded run: its name, its workflow, its input and the outcome it must end as."""

    name: str
    workflow: Any
    expect: str
    text: str = "a measured text"
    known_file: bool = True


CASES = (
    Case("stage-success", FileStageWorkflow.run, "COMPLETED"),
    Case("stage-failed", FileStageWorkflow.run, "FAILED UnreadableInput", text="bad input"),
    Case("standalone", StandaloneCallsWorkflow.run, "COMPLETED"),
    Case("unknown-file", StandaloneCallsWorkflow.run, "failed: FileNotFound", known_file=False),
    Case("late-topic", LateTopicWorkflow.run, "sent"),
)
"""Every case; each runs once per activity mode."""


def _ended(result: ReferenceResult) -> str:
    if result.status is None:
        return "sent"
    return " ".join(filter(None, [result.status.value, result.error_type]))


def _timers(history: WorkflowHistory) -> int:
    return sum(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED for e in history.events)


async def _late_topic(
    run: _Run, mode: ActivityMode, case: Case
) -> tuple[str, WorkflowHandle[Any, Any]]:
    # The topic's ARN is known before it exists; it is created once the run has retried.
    name = f"replay-late-{mode.value}-{uuid4().hex[:8]}"
    stack = run.stack
    session = aioboto3.Session()
    async with session.client(
        "sns", region_name=stack.moto.region, endpoint_url=stack.moto.endpoint_url
    ) as sns:
        arn = run.topic_arn.rsplit(":", 1)[0] + f":{name}"

        async def create_later() -> None:
            await asyncio.sleep(LATE_TOPIC_AFTER_SECONDS)
            await sns.create_topic(Name=name)

        task = asyncio.create_task(create_later())
        try:
            return await _run_case(run, mode, case, arn)
        finally:
            await task


async def _run_case(
    run: _Run, mode: ActivityMode, case: Case, topic_arn: str
) -> tuple[str, WorkflowHandle[Any, Any]]:
    file_id = await run.register() if case.known_file else uuid4()
    args = ReferenceInput(file_id, case.text, mode, topic_arn)
    handle = await run.client.start_workflow(
        case.workflow,
        args,
        id=f"reference-{case.name}-{mode.value}-{uuid4().hex[:8]}",
        task_queue=run.settings.task_queue,
    )
    try:
        return _ended(await handle.result()), handle
    except WorkflowFailureError as err:
        return f"failed: {describe_failure(err.cause or err)[0]}", handle


async def _record_case(run: _Run, mode: ActivityMode, case: Case) -> tuple[str, WorkflowHistory]:
    if case.name == "late-topic":
        ended, handle = await _late_topic(run, mode, case)
    else:
        ended, handle = await _run_case(run, mode, case, run.topic_arn)
    return ended, await handle.fetch_history()


async def record(
    version: str,
    root: Path = DEFAULT_ROOT,
    modes: Sequence[ActivityMode] = tuple(ActivityMode),
    names: Sequence[str] = (),
) -> list[str]:
    """Records the cases (all, or those named) in every mode; returns the problems."""
    cases = [c for c in CASES if not names or c.name in names]
    problems: list[str] = []
    entries: dict[str, tuple[dict[str, str], str]] = {}
    database = await create_database("wsa_replay")
    try:
        async with local_stack(database.sqlalchemy_url) as stack:
            problems = await _record_all(stack, modes, cases, entries)
    finally:
        await drop_database(database)
    if entries:
        write_corpus(corpus_dir(root, version), entries)
    return problems


async def _record_all(
    stack: LocalStack,
    modes: Sequence[ActivityMode],
    cases: Sequence[Case],
    entries: dict[str, tuple[dict[str, str], str]],
) -> list[str]:
    settings = ReferenceSettings(
        temporal_address=stack.temporal_address,
        aws_endpoint_url=stack.moto.endpoint_url,
        aws_region=stack.moto.region,
        event_bus_name=BUS_NAME,
        database_url=stack.database_url,
        graceful_shutdown_seconds=5.0,
        operator_retry_seconds=OPERATOR_RETRY_SECONDS,
    )
    engine = create_engine(stack.database_url)
    repo = repository_for(engine)
    session = aioboto3.Session()
    async with session.client(
        "sns", region_name=stack.moto.region, endpoint_url=stack.moto.endpoint_url
    ) as sns:
        topic_arn = (await sns.create_topic(Name="replay-reference"))["TopicArn"]

    async def register() -> UUID:
        created = await repo.register_file(FileCreate(name="reference.txt", uri="mem://ref"))
        return created.id

    stop = asyncio.Event()
    serving = asyncio.create_task(REFERENCE_APP.serve(settings, stop))
    run = _Run(stack.temporal.client, stack, settings, register, topic_arn)
    problems: list[str] = []
    try:
        for mode in modes:
            for case in cases:
                name = f"{mode.value}-{case.name}.json"
                ended, history = await _record_case(run, mode, case)
                if ended != case.expect:
                    problems.append(f"{name}: ended {ended}, not {case.expect}")
                    continue
                if (
                    case.name == "late-topic"
                    and mode is ActivityMode.LOCAL
                    and not _timers(history)
                ):
                    problems.append(f"{name}: the local retry left no timer in the history")
                    continue
                meta = {"workflow_id": history.workflow_id, "ended": ended}
                entries[name] = (meta, history.to_json())
                print(f"recorded {name}: {ended}")
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await serving
        await engine.dispose()
    if serving.done() and not serving.cancelled() and serving.exception() is not None:
        problems.append(f"worker failed: {serving.exception()!r}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m workflow_replay.record")
    parser.add_argument("--version", help="corpus folder name (default: the libraries' version)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--mode", choices=[m.value for m in ActivityMode], action="append")
    parser.add_argument("--case", choices=[c.name for c in CASES], action="append")
    args = parser.parse_args(argv)
    # The failure cases log their activities' expected errors: only worse ones are shown.
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    modes = [ActivityMode(m) for m in args.mode] if args.mode else list(ActivityMode)
    version = args.version or libraries_version()
    problems = asyncio.run(record(version, args.root, modes, args.case or ()))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
