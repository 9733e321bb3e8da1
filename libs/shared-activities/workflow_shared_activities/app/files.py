"""What the apps' commands do with the database: register many files, show one file's status."""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from workflow_file_status import (
    FileCreate,
    FileRead,
    FileStore,
    StatusHistoryRead,
    create_engine,
    repository_for,
)
from workflow_file_status.migrate import upgrade

from workflow_shared_activities.app.outputs import StatusOutput
from workflow_shared_activities.app.settings import AppSettings

__all__ = [
    "collect_files",
    "format_status",
    "open_repository",
    "register_paths",
    "status_document",
]


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def collect_files(paths: Iterable[Path], pattern: str | None = None) -> list[Path]:
    """The regular files to register, resolved, each once, in a stable order.

    A file is taken as given (whatever ``pattern``); a directory gives its regular files,
    recursively and sorted, whose name matches ``pattern`` (``fnmatch``, e.g. ``*.csv``), hidden
    files and directories (``.name``) left out. Symbolic links to directories are not followed.

    Raises:
        FileNotFoundError: A path does not exist.
        ValueError: A path is neither a regular file nor a directory.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _is_hidden(d))
                for name in sorted(names):
                    candidate = Path(root) / name
                    if _is_hidden(name) or not candidate.is_file():
                        continue
                    if pattern is None or fnmatch.fnmatch(name, pattern):
                        found.setdefault(candidate.resolve())
        elif path.is_file():
            found.setdefault(path.resolve())
        elif not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        else:
            raise ValueError(f"not a regular file or a directory: {path}")
    return list(found)


@asynccontextmanager
async def open_repository(
    settings: AppSettings, *, migrate: bool | None = None
) -> AsyncIterator[FileStore]:
    """The file-status repository on the configured database.

    Args:
        settings: The database URL, pool size and namespace.
        migrate: Run the schema migrations first (``settings.migrate`` when None).
    """
    if settings.migrate if migrate is None else migrate:
        await asyncio.to_thread(
            upgrade, settings.database_url, temporal_namespace=settings.temporal_namespace
        )
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    try:
        yield repository_for(engine)
    finally:
        await engine.dispose()


async def register_paths(
    repository: FileStore, paths: Sequence[Path]
) -> AsyncIterator[tuple[FileRead, Path]]:
    """Registers each file (status PENDING, its path as URI), yielding each as it is done."""
    for path in paths:
        file = await repository.register_file(FileCreate(name=path.name, uri=str(path)))
        yield file, path


def status_document(file: FileRead, history: Sequence[StatusHistoryRead]) -> dict[str, Any]:
    """The file and its history as plain JSON types (`StatusOutput`, ``status --json``)."""
    document: dict[str, Any] = TypeAdapter(StatusOutput).dump_python(
        StatusOutput(file, list(history)), mode="json"
    )
    return document


def format_status(file: FileRead, history: Sequence[StatusHistoryRead]) -> str:
    """A short human-readable report: the file, then one line per status change."""
    lines = [
        f"file     {file.id}  {file.name}",
        f"uri      {file.uri}",
        f"status   {file.status.value} (version {file.version})",
        f"created  {file.created_at.isoformat()}",
        f"updated  {file.updated_at.isoformat()}",
    ]
    if not history:
        lines.append("history  (none)")
        return "\n".join(lines)
    rows = [("version", "from", "to", "changed at", "workflow id", "attempt")]
    rows += [
        (
            str(h.version),
            h.from_status.value,
            h.to_status.value,
            h.changed_at.isoformat(timespec="seconds"),
            h.workflow_id or "-",
            str(h.attempt) if h.attempt is not None else "-",
        )
        for h in history
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.append("history")
    lines += [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)
