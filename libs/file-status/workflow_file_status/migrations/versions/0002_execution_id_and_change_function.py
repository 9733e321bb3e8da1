"""History keyed per activity execution; PostgreSQL's status change as one function.

- ``file_status_history.execution_id`` (`workflow_contracts.execution_id`, one UUID per
  activity execution, standalone ones included) and ``activity_run_id``; the unique index on
  (file_id, execution_id) replaces the one on (file_id, workflow_id, run_id, activity_id),
  whose NULLs (a standalone activity has no workflow) let executions collide or never match.
- Existing rows are backfilled in Python with the same `execution_id` a retry computes, so an
  execution in flight across the upgrade still finds its change. Its namespace is not stored:
  it is taken from the ``temporal_namespace`` attribute of the Alembic config (``default``
  unless `upgrade` was given another). Rows of standalone activities (no workflow id) keep a
  NULL key: their activity run id was never recorded.
- PostgreSQL: ``file_status_change(...)``, the status change in one call (see below).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import context, op
from workflow_contracts import TemporalContext
from workflow_contracts._execution import execution_id

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000

_FUNCTION_SIGNATURE = (
    "file_status_change(uuid, text, text[], uuid, text, text, text, text, integer)"
)

# Lock first, then look: the row lock is taken by the first statement; the lookup of this
# execution's own change is a later statement of a VOLATILE function, so under READ COMMITTED
# it gets a new snapshot, taken after the lock was granted. A twin attempt of the same
# execution that held the lock before us has committed by then, and its row is seen here:
# every attempt returns the change its execution committed. (A single statement's snapshot
# predates the lock wait, and would miss it.)
# Out columns are prefixed so that they never shadow a table column inside the body.
_CREATE_FUNCTION = """
CREATE FUNCTION file_status_change(
    p_file_id uuid,
    p_target text,
    p_sources text[],
    p_execution_id uuid,
    p_workflow_id text,
    p_run_id text,
    p_activity_id text,
    p_activity_run_id text,
    p_attempt integer
) RETURNS TABLE (
    o_status text,
    o_version integer,
    o_new_version integer,
    o_prior_from text,
    o_prior_to text,
    o_prior_version integer
)
LANGUAGE plpgsql VOLATILE
AS $fn$
BEGIN
    SELECT f.status, f.version INTO o_status, o_version
    FROM files AS f WHERE f.id = p_file_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;  -- no row: the file is not registered
    END IF;
    IF p_execution_id IS NOT NULL THEN
        SELECT h.from_status, h.to_status, h.version
        INTO o_prior_from, o_prior_to, o_prior_version
        FROM file_status_history AS h
        WHERE h.file_id = p_file_id AND h.execution_id = p_execution_id;
        IF FOUND THEN
            RETURN NEXT;  -- committed before by this execution: report it, write nothing
            RETURN;
        END IF;
    END IF;
    IF o_status = p_target OR NOT (o_status = ANY (p_sources)) THEN
        RETURN NEXT;  -- a no-op, or not allowed: the caller tells which
        RETURN;
    END IF;
    o_new_version := o_version + 1;
    UPDATE files AS f
    SET status = p_target, version = o_new_version, updated_at = now()
    WHERE f.id = p_file_id;
    INSERT INTO file_status_history (
        file_id, version, from_status, to_status, changed_at, execution_id,
        workflow_id, run_id, activity_id, activity_run_id, attempt
    ) VALUES (
        p_file_id, o_new_version, o_status, p_target, now(), p_execution_id,
        p_workflow_id, p_run_id, p_activity_id, p_activity_run_id, p_attempt
    );
    RETURN NEXT;
END
$fn$
"""

_history = sa.table(
    "file_status_history",
    sa.column("file_id", sa.Uuid()),
    sa.column("version", sa.Integer()),
    sa.column("workflow_id", sa.String()),
    sa.column("run_id", sa.String()),
    sa.column("activity_id", sa.String()),
    sa.column("execution_id", sa.Uuid()),
)


def upgrade() -> None:
    op.add_column("file_status_history", sa.Column("execution_id", sa.Uuid(), nullable=True))
    op.add_column(
        "file_status_history", sa.Column("activity_run_id", sa.String(255), nullable=True)
    )
    _backfill(str(context.config.attributes.get("temporal_namespace") or "default"))
    op.drop_index("uq_file_status_history_execution", table_name="file_status_history")
    op.create_index(
        "uq_file_status_history_execution_id",
        "file_status_history",
        ["file_id", "execution_id"],
        unique=True,
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Driver SQL: the function body is not a SQLAlchemy text() with bind parameters.
        bind.exec_driver_sql(_CREATE_FUNCTION)


def _backfill(namespace: str) -> None:
    bind = op.get_bind()
    h = _history.c
    after: tuple[UUID, int] | None = None
    # Rows come in (file, version) order: the keys already given out for the current file.
    current: UUID | None = None
    seen: set[UUID] = set()
    while True:
        query = (
            sa.select(h.file_id, h.version, h.workflow_id, h.run_id, h.activity_id)
            .where(h.workflow_id.is_not(None), h.activity_id.is_not(None))
            .order_by(h.file_id, h.version)
            .limit(_BATCH)
        )
        if after is not None:
            query = query.where(sa.tuple_(h.file_id, h.version) > sa.tuple_(*after))
        rows = bind.execute(query).all()
        if not rows:
            return
        updates = []
        for file_id, version, workflow_id, run_id, activity_id in rows:
            if file_id != current:
                current, seen = file_id, set()
            key = UUID(
                execution_id(
                    TemporalContext(workflow_id, run_id, activity_id, 1, namespace=namespace)
                )
            )
            # The old index let rows with a NULL run id repeat: keep the first, unkeyed rest.
            if key not in seen:
                seen.add(key)
                updates.append({"f": file_id, "v": version, "e": key})
        if updates:
            bind.execute(
                _history.update()
                .where(h.file_id == sa.bindparam("f"), h.version == sa.bindparam("v"))
                .values(execution_id=sa.bindparam("e")),
                updates,
            )
        after = (rows[-1][0], rows[-1][1])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_FUNCTION_SIGNATURE}")
    op.drop_index("uq_file_status_history_execution_id", table_name="file_status_history")
    with op.batch_alter_table("file_status_history") as batch:
        batch.drop_column("activity_run_id")
        batch.drop_column("execution_id")
    op.create_index(
        "uq_file_status_history_execution",
        "file_status_history",
        ["file_id", "workflow_id", "run_id", "activity_id"],
        unique=True,
    )
