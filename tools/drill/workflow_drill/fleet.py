"""The worker processes of the drill, run through the apps' real command lines."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["APP_MODULES", "Fleet", "WorkerProcess", "set_current"]

APP_MODULES = {"ingestion": "ingestion_worker", "evaluation": "evaluation_worker"}


@dataclass
class WorkerProcess:
    """One worker process (``python -m ingestion_worker run`` or the evaluation one)."""

    app: str
    index: int
    env: dict[str, str]
    logdir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    held: bool = False  # down on purpose (killed by the chaos, restart pending)
    command: list[str] | None = None  # default: this interpreter's ``-m <app module> run``
    prefix: str = ""  # ``old-``: names the processes of another release
    cwd: Path | None = None
    pids: list[int] = field(default_factory=list)  # of every start: workers' identity is pid@host

    @property
    def name(self) -> str:
        """``ingestion-1``, ``evaluation-2``, ``old-ingestion-1``..."""
        return f"{self.prefix}{self.app}-{self.index}"

    def start(self) -> None:
        """Starts (or restarts) the process; its output goes to ``<logdir>/<name>.log``."""
        self.held = False
        self.starts += 1
        log = (self.logdir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            self.command or [sys.executable, "-m", APP_MODULES[self.app], "run"],
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.pids.append(self.process.pid)

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, running activities are lost mid-attempt."""
        self.held = True
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM and wait (the apps shut down gracefully), then SIGKILL if needed."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.process is not None and self.process.poll() is None


@dataclass
class Fleet:
    """Several worker processes of each app."""

    workers: list[WorkerProcess] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        per_app: int,
        envs: dict[str, dict[str, str]],
        logdir: Path,
        *,
        commands: dict[str, list[str]] | None = None,
        base: dict[str, str] | None = None,
        prefix: str = "",
        cwd: Path | None = None,
    ) -> Fleet:
        """``per_app`` processes of each app, with each app's environment.

        Args:
            per_app: Processes per app.
            envs: Each app's own variables, over ``base``.
            logdir: Where each process's log goes.
            commands: Each app's command line (default: this interpreter's ``-m <module> run``).
            base: The environment the variables are added to (default: this process's).
            prefix: Before each process's name.
            cwd: The processes' working directory (default: this process's).
        """
        logdir.mkdir(parents=True, exist_ok=True)
        inherited = dict(os.environ) if base is None else base
        return cls(
            [
                WorkerProcess(
                    app,
                    i + 1,
                    {**inherited, **envs[app]},
                    logdir,
                    command=(commands or {}).get(app),
                    prefix=prefix,
                    cwd=cwd,
                )
                for app in ("ingestion", "evaluation")
                for i in range(per_app)
            ]
        )

    def pids(self) -> set[int]:
        """The process ids of every start of every process."""
        return {pid for worker in self.workers for pid in worker.pids}

    def start(self) -> None:
        """Starts every process."""
        for worker in self.workers:
            worker.start()

    def stop(self, timeout: float = 20.0) -> None:
        """Stops every process gracefully: one SIGTERM each, all at once, then waits.

        A second SIGTERM would cut an app's graceful shutdown short; a process still up
        after ``timeout`` seconds is killed.
        """
        self.stop_supervising()
        for worker in self.workers:
            if worker.alive and worker.process is not None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for worker in self.workers:
            if worker.process is not None and worker.process.poll() is None:
                try:
                    worker.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    worker.kill()

    def dead(self) -> list[WorkerProcess]:
        """Processes that exited on their own (not killed by the chaos)."""
        return [w for w in self.workers if w.process is not None and not w.alive and not w.held]

    def stop_supervising(self) -> None:
        """Marks every process as going down on purpose (before `stop`)."""
        for worker in self.workers:
            worker.held = True


async def set_current(
    envs: dict[str, dict[str, str]], note: Callable[[str, str], None] | None = None
) -> None:
    """``<app> deployment set-current`` for each app at once, as an operator runs it.

    It waits until a worker of the version polls: versioned workers get no task before.

    Args:
        envs: Each app's environment (that of its workers: the same deployment and build id).
        note: Called with ("set-current", what the command printed) per app.

    Raises:
        RuntimeError: A command failed (its output says why).
    """

    async def one(app: str, env: dict[str, str]) -> None:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", APP_MODULES[app], "deployment", "set-current"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{app} deployment set-current: {result.stdout}{result.stderr}")
        if note is not None:
            note("set-current", f"{app}: {result.stdout.strip()[:80]}")

    await asyncio.gather(*(one(app, env) for app, env in envs.items()))
