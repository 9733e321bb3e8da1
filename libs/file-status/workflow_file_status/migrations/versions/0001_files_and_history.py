"""Files and their status history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("uri", sa.String(2048), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')", name="ck_files_status"
        ),
    )
    op.create_table(
        "file_status_history",
        sa.Column(
            "file_id",
            sa.Uuid(),
            sa.ForeignKey("files.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("from_status", sa.String(32), nullable=False),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workflow_id", sa.String(1024), nullable=True),
        sa.Column("run_id", sa.String(255), nullable=True),
        sa.Column("activity_id", sa.String(1024), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
    )
    op.create_index(
        "uq_file_status_history_execution",
        "file_status_history",
        ["file_id", "workflow_id", "run_id", "activity_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_file_status_history_execution", table_name="file_status_history")
    op.drop_table("file_status_history")
    op.drop_table("files")
