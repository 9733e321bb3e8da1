"""Database URLs: libpq's ``sslmode`` becomes asyncpg's ``ssl``; nothing else changes."""

from __future__ import annotations

import pytest
from workflow_file_status._engine import normalise_database_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://app:p%40ss@db/files?sslmode=require",
            "postgresql+asyncpg://app:p%40ss@db/files?ssl=require",
        ),
        (
            "postgresql+asyncpg://app@db/files?sslmode=verify-full&prepared_statement_cache_size=0",
            "postgresql+asyncpg://app@db/files?prepared_statement_cache_size=0&ssl=verify-full",
        ),
        (
            "postgres://app@db/files?sslmode=disable",
            "postgresql+asyncpg://app@db/files?ssl=disable",
        ),
        # Already asyncpg's spelling, or both: left as they are.
        (
            "postgresql+asyncpg://app@db/files?ssl=require",
            "postgresql+asyncpg://app@db/files?ssl=require",
        ),
        (
            "postgresql+asyncpg://app@db/files?ssl=disable&sslmode=require",
            "postgresql+asyncpg://app@db/files?ssl=disable&sslmode=require",
        ),
        # Another driver takes libpq's parameters itself.
        (
            "postgresql+psycopg://app@db/files?sslmode=require",
            "postgresql+psycopg://app@db/files?sslmode=require",
        ),
        ("sqlite:///./files.db", "sqlite+aiosqlite:///./files.db"),
    ],
)
def test_sslmode_is_asyncpg_s_ssl(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
