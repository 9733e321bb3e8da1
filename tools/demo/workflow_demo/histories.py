"""Records the replay corpus: closed workflow histories of both apps, in both activity modes.

    python -m workflow_demo.histories [--version X.Y.Z] [--root PATH] [--mode regular|local]

Starts the devstack (Temporal dev server, moto, a fresh PostgreSQL database), runs both apps'
real workers in the demo's process (``serve``: their plugin, sandbox and data converter), runs
every case of `workflow_demo.history_cases` once per activity mode, and writes each closed
run's history (``WorkflowHistory.to_json()``) to
``apps/<app>/tests/replay/histories/<version>/<mode>-<case>.json``, with an ``index.json``
there naming each file's workflow id and outcome. ``<version>`` defaults to the apps' version.
Each app's ``tests/test_replay.py`` replays every history of every version found: record a
corpus with each release, and later code must still replay it. Exit code 0 only if every case
ended as expected (a history of an unexpected outcome is not written).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluation_worker.settings import Settings as EvaluationSettings
from ingestion_worker.settings import Settings as IngestionSettings
from workflow_contracts import ActivityMode
from workflow_devstack import create_database, drop_database
from workflow_file_status import create_engine, repository_for

from workflow_demo.history_cases import CASES, CaseContext, run_case
from workflow_demo.notifications import subscribe_queue
from workflow_demo.stack import BUS_NAME, LocalStack, local_stack
from workflow_demo.workers import WorkerPlacement, make_versions_current, running_workers

__all__ = ["DEFAULT_ROOT", "corpus_dir", "main", "record_histories", "write_corpus"]

_Index = dict[str, dict[str, tuple[dict[str, str], str]]]
"""Per app, per file name: the index entry (workflow id, outcome) and the history's JSON."""

DEFAULT_ROOT = Path(__file__).resolve().parents[3]
"""The workspace root (the corpus folders are under its ``apps/``)."""


def corpus_dir(root: Path, app: str, version: str) -> Path:
    """Where one app's histories of one version live."""
    return root / "apps" / app / "tests" / "replay" / "histories" / version


async def record_histories(
    version: str, root: Path = DEFAULT_ROOT, modes: Sequence[ActivityMode] = tuple(ActivityMode)
) -> list[str]:
    """Records every case in every mode; returns the problems (empty: all as expected)."""
    problems: list[str] = []
    index: _Index = {}
    database = await create_database("wsa_histories")
    try:
        async with local_stack(database.sqlalchemy_url) as stack:
            topic_arn, _ = await subscribe_queue(stack)
            for mode in modes:
                problems += await _record_mode(stack, mode, topic_arn, index)
    finally:
        await drop_database(database)
    for app, entries in index.items():
        write_corpus(corpus_dir(root, app, version), entries)
    return problems


def write_corpus(folder: Path, entries: dict[str, tuple[dict[str, str], str]]) -> None:
    """Writes histories (file name: index entry, ``to_json()``) and merges their index entries.

    The one writer of every corpus (the apps' here, the reference workflows' in
    ``workflow_replay.record``): ``index.json`` names each file's workflow id and outcome.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, (_, history) in entries.items():
        (folder / name).write_text(history + "\n")
    written = folder / "index.json"
    kept = json.loads(written.read_text()) if written.exists() else {}
    kept |= {name: meta for name, (meta, _) in entries.items()}
    written.write_text(json.dumps(kept, indent=2, sort_keys=True) + "\n")


async def _record_mode(
    stack: LocalStack,
    mode: ActivityMode,
    topic_arn: str,
    index: _Index,
) -> list[str]:
    common: dict[str, Any] = {
        "temporal_address": stack.temporal_address,
        "aws_endpoint_url": stack.moto.endpoint_url,
        "aws_region": stack.moto.region,
        "event_bus_name": BUS_NAME,
        "database_url": stack.database_url,
        "graceful_shutdown_seconds": 5.0,
        "activity_mode": mode,
    }
    ingestion_cfg = IngestionSettings(
        task_queue=f"record-ingestion-{mode.value}", notification_topic_arn=topic_arn, **common
    )
    evaluation_cfg = EvaluationSettings(task_queue=f"record-evaluation-{mode.value}", **common)
    engine = create_engine(stack.database_url)
    problems: list[str] = []
    try:
        async with running_workers(
            WorkerPlacement.INLINE, ingestion_cfg, evaluation_cfg, stack.workdir / "logs"
        ) as running:
            client = stack.temporal.client
            await running.wait_ready(client, [ingestion_cfg.task_queue, evaluation_cfg.task_queue])
            await make_versions_current([(client, ingestion_cfg), (client, evaluation_cfg)])
            ctx = CaseContext(
                client,
                ingestion_cfg,
                evaluation_cfg,
                repository_for(engine),
                stack.workdir,
            )
            for case in CASES:
                outcome = await run_case(case, ctx)
                name = f"{mode.value}-{case.name}.json"
                if outcome.ended != case.expect:
                    problems.append(f"{case.app} {name}: ended {outcome.ended}, not {case.expect}")
                    continue
                history = await outcome.handle.fetch_history()
                meta = {"workflow_id": history.workflow_id, "ended": outcome.ended}
                index.setdefault(case.app, {})[name] = (meta, history.to_json())
                print(f"recorded {case.app} {name}: {outcome.ended}")
        problems += running.problems
    finally:
        await engine.dispose()
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m workflow_demo.histories")
    parser.add_argument("--version", default=importlib.metadata.version("ingestion-worker"))
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--mode", choices=[m.value for m in ActivityMode], action="append")
    args = parser.parse_args(argv)
    # The failure cases log their activities' expected errors: only worse ones are shown.
    logging.basicConfig(level=logging.ERROR, format="%(name)s: %(message)s")
    modes = [ActivityMode(m) for m in args.mode] if args.mode else list(ActivityMode)
    problems = asyncio.run(record_histories(args.version, args.root, modes))
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
