-- file_status_change: PostgreSQL's status change, one call (PostgresFileStatusRepository).
--
-- The head definition. A migration never reads this file: each one that (re)creates the
-- function holds a frozen copy of the text it ships (0002 created this one), and a test
-- checks that a database migrated to head defines exactly this function. To change it, edit
-- this file and add a migration that runs CREATE OR REPLACE with a copy of the new text.
--
-- Lock first, then look: the row lock is taken by the first statement; the lookup of this
-- execution's own change is a later statement of a VOLATILE function, so under READ COMMITTED
-- it gets a new snapshot, taken after the lock was granted. A twin attempt of the same
-- execution that held the lock before us has committed by then, and its row is seen here:
-- every attempt returns the change its execution committed. (A single statement's snapshot
-- predates the lock wait, and would miss it.)
-- Out columns are prefixed so that they never shadow a table column inside the body.
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
$fn$;
