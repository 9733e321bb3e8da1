"""What ingestion learns about a file: size, SHA-256 and, for CSV, the row count."""

import csv
import errno
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from temporalio.exceptions import ApplicationError

__all__ = ["BAD_FILE", "FILE_MISSING", "FILE_UNREADABLE", "FileFacts", "inspect_file", "path_of"]

FILE_MISSING = "FileMissing"
FILE_UNREADABLE = "FileUnreadable"
BAD_FILE = "MalformedFile"

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileFacts:
    """Facts recorded at ingestion."""

    size: int
    sha256: str
    kind: str
    rows: int | None = None
    columns: int | None = None


def path_of(uri: str) -> Path:
    """The local path of a ``file://`` URI or a plain path."""
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return Path(parts.path if parts.scheme else uri)
    raise ApplicationError(
        f"unsupported URI scheme {parts.scheme!r}", type=FILE_UNREADABLE, non_retryable=True
    )


def inspect_file(uri: str) -> FileFacts:
    """Reads the file once: size and SHA-256, and for ``.csv`` the rows below the header.

    Raises:
        ApplicationError: ``FileMissing`` / ``FileUnreadable`` / ``MalformedFile``, all
            non-retryable (a bad file stays bad); other I/O errors stay retryable.
    """
    path = path_of(uri)
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            data = bytearray()
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                data += chunk
    except FileNotFoundError as err:
        raise ApplicationError(
            f"file not found: {path}", type=FILE_MISSING, non_retryable=True
        ) from err
    except (PermissionError, IsADirectoryError) as err:
        raise ApplicationError(
            f"file not readable: {path}", type=FILE_UNREADABLE, non_retryable=True
        ) from err
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ApplicationError(
                f"file not found: {path}", type=FILE_MISSING, non_retryable=True
            ) from err
        raise  # EIO, a stale network mount...: worth retrying
    if path.suffix.lower() != ".csv":
        return FileFacts(
            size=size, sha256=digest.hexdigest(), kind=path.suffix.lstrip(".") or "bin"
        )
    rows, columns = _count_csv(bytes(data), path)
    return FileFacts(size=size, sha256=digest.hexdigest(), kind="csv", rows=rows, columns=columns)


def _count_csv(data: bytes, path: Path) -> tuple[int, int]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ApplicationError(
            f"{path.name}: not UTF-8 text", type=BAD_FILE, non_retryable=True
        ) from err
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise ApplicationError(f"{path.name}: no header row", type=BAD_FILE, non_retryable=True)
        rows = 0
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise ApplicationError(
                    f"{path.name}: line {line_no} has {len(row)} fields, the header has {len(header)}",
                    type=BAD_FILE,
                    non_retryable=True,
                )
            rows += 1
    except csv.Error as err:
        raise ApplicationError(f"{path.name}: {err}", type=BAD_FILE, non_retryable=True) from err
    return rows, len(header)
