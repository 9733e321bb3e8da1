"""The replay gate: every recorded history of every corpus, replayed on the current code.

    python -m workflow_replay [--root PATH ...] [--only TEXT ...]

Replays each history of each version of each corpus (`workflow_replay.corpus.corpora` of every
``--root``, the workspace by default; ``--only``: the histories whose label contains one of the
texts) with its worker's real configuration, and checks every version folder's index. Prints
where ``workflow_contracts`` was imported from (a test replays a changed copy of it), one line
per history, ``ok`` or ``FAILED <label>: <error type>: <message>``. Exit code 0 only if every
history replayed and every index is whole.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import workflow_contracts

from workflow_replay.corpus import DEFAULT_ROOT, corpora, index_problems, recorded, replay

__all__ = ["main", "run_gate"]


async def run_gate(roots: Sequence[Path], only: Sequence[str] = ()) -> int:
    """Replays the histories; prints a line for each; returns how many failed."""
    found = [corpus for root in roots for corpus in corpora(root)]
    failures = 0
    for corpus in found:
        for version in corpus.versions():
            for problem in index_problems(version):
                print(f"FAILED index {problem}")
                failures += 1
    histories = [h for h in recorded(found) if not only or any(t in h.label for t in only)]
    if not histories:
        print("FAILED no history to replay")
        return failures + 1
    for history in histories:
        failure = (await replay(history)).replay_failure
        if failure is None:
            print(f"ok {history.label}", flush=True)
            continue
        failures += 1
        print(f"FAILED {history.label}: {type(failure).__name__}: {failure}", flush=True)
    print(f"{len(histories) - failures} of {len(histories)} histories replayed")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m workflow_replay")
    parser.add_argument("--root", type=Path, action="append", help="a workspace (repeatable)")
    parser.add_argument("--only", action="append", default=[], help="label filter (repeatable)")
    args = parser.parse_args(argv)
    # The replayer logs each non-determinism it finds; the summary lines say it once.
    logging.basicConfig(level=logging.CRITICAL)
    print(f"workflow_contracts from {Path(workflow_contracts.__file__).parent}", flush=True)
    failures = asyncio.run(run_gate(args.root or [DEFAULT_ROOT], args.only))
    return 1 if failures else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without the interpreter's finalization: after replays that failed, the SDK's
    # runtime threads can abort it (SIGABRT) at exit, which would hide the exit code.
    os._exit(code)
