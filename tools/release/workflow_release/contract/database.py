"""``database.json``: the file-status schema's migrations and tables.

Migrations come from Alembic's script directory (no database): each revision, its parent
and a SHA-256 of its file, and the head. Tables and columns come from the package's
SQLModel metadata (what the migrations build and the code reads).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from workflow_release.contract._types import Change

__all__ = ["compare_database", "extract_database"]


def extract_database() -> dict[str, Any]:
    """``{head, migrations: {id: {down_revision, sha256}}, tables: {name: {column: type}}}``."""
    import workflow_file_status._models  # noqa: F401  # registers the tables on the metadata
    from workflow_file_status._migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    migrations = {}
    for revision in scripts.walk_revisions():
        text = Path(str(revision.path)).read_bytes().replace(b"\r\n", b"\n")
        migrations[revision.revision] = {
            "down_revision": revision.down_revision,
            "sha256": hashlib.sha256(text).hexdigest(),
        }
    tables = {
        name: {
            column.name: {"type": str(column.type), "nullable": bool(column.nullable)}
            for column in table.columns
        }
        for name, table in SQLModel.metadata.tables.items()
    }
    return {"head": list(scripts.get_heads()), "migrations": migrations, "tables": tables}


def compare_database(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """A migration removed or edited, a table or column removed or retyped, is breaking."""
    changes: list[Change] = []
    for rev in sorted(old["migrations"]):
        after = new["migrations"].get(rev)
        if after is None:
            changes.append(Change(True, "database", f"migration {rev}", "migration removed"))
        elif after != old["migrations"][rev]:
            changes.append(Change(True, "database", f"migration {rev}", "migration edited"))
    for rev in sorted(new["migrations"].keys() - old["migrations"].keys()):
        changes.append(Change(False, "database", f"migration {rev}", "migration added"))
    for table in sorted(old["tables"]):
        columns = new["tables"].get(table)
        if columns is None:
            changes.append(Change(True, "database", f"table {table}", "table removed"))
            continue
        for column, spec in sorted(old["tables"][table].items()):
            if column not in columns:
                changes.append(
                    Change(True, "database", f"table {table}", f"column '{column}' removed")
                )
            elif columns[column] != spec:
                changes.append(
                    Change(
                        True, "database", f"table {table}.{column}", f"{spec} -> {columns[column]}"
                    )
                )
        for column in sorted(columns.keys() - old["tables"][table].keys()):
            changes.append(Change(False, "database", f"table {table}", f"column '{column}' added"))
    for table in sorted(new["tables"].keys() - old["tables"].keys()):
        changes.append(Change(False, "database", f"table {table}", "table added"))
    return changes
