import hashlib
from pathlib import Path

import pytest
from ingestion_worker.facts import BAD_FILE, FILE_MISSING, FILE_UNREADABLE, inspect_file
from temporalio.exceptions import ApplicationError


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_csv_facts(tmp_path: Path) -> None:
    content = b"a,b\n1,2\n3,4\n\n5,6\n"
    facts = inspect_file(str(write(tmp_path, "x.csv", content)))
    assert facts.size == len(content)
    assert facts.sha256 == hashlib.sha256(content).hexdigest()
    assert (facts.kind, facts.rows, facts.columns) == ("csv", 3, 2)


def test_quoted_fields_and_file_uri(tmp_path: Path) -> None:
    path = write(tmp_path, "q.csv", b'a,b\n"x, y","line\nbreak"\n')
    facts = inspect_file(f"file://{path}")
    assert facts.rows == 1


def test_non_csv_files_get_size_and_hash(tmp_path: Path) -> None:
    facts = inspect_file(str(write(tmp_path, "blob.bin", b"\x00\x01")))
    assert (facts.kind, facts.rows, facts.size) == ("bin", None, 2)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"a,b\n1,2\n3\n", "line 3 has 1 fields"),
        (b"", "no header"),
        (b"a,b\n\xff\xfe,1\n", "UTF-8"),
        (b'a,b\n"unterminated,1\n', "unexpected end of data"),
    ],
)
def test_malformed_csv_is_permanent(tmp_path: Path, content: bytes, needle: str) -> None:
    with pytest.raises(ApplicationError) as info:
        inspect_file(str(write(tmp_path, "bad.csv", content)))
    assert info.value.type == BAD_FILE and info.value.non_retryable
    assert needle.lower() in info.value.message.lower()


def test_missing_and_unreadable_are_permanent(tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as info:
        inspect_file(str(tmp_path / "nope.csv"))
    assert info.value.type == FILE_MISSING and info.value.non_retryable
    with pytest.raises(ApplicationError) as info:
        inspect_file(str(tmp_path))
    assert info.value.type == FILE_UNREADABLE
    with pytest.raises(ApplicationError) as info:
        inspect_file("s3://bucket/key.csv")
    assert info.value.type == FILE_UNREADABLE
