-- The privileges of a runtime (worker) role on the file-status schema, and nothing more.
--
-- Apply as the owner of the tables (the role that runs the migrations), after every upgrade:
--     python -m workflow_file_status.migrate grant ROLE --database-url OWNER_URL
--     psql OWNER_URL -v role=ROLE -v schema=public -f grants.sql
-- :"role" and :"schema" are psql's quoted identifiers; the grant command substitutes the
-- same quoting. The worker never creates, alters, deletes or truncates anything, and never
-- reads alembic_version (it runs with migrate off). The tables have no sequences (UUID and
-- (file_id, version) keys), so no sequence is granted.

-- Name lookup only (not CREATE).
GRANT USAGE ON SCHEMA :"schema" TO :"role";

-- register_file inserts, get_file reads; file_status_change reads, locks (SELECT ... FOR
-- UPDATE needs UPDATE) and updates the row.
GRANT SELECT, INSERT, UPDATE ON TABLE :"schema".files TO :"role";

-- get_history reads; file_status_change looks up the execution's change and appends one row.
-- No UPDATE: the audit trail is append-only for the worker.
GRANT SELECT, INSERT ON TABLE :"schema".file_status_history TO :"role";

-- The status change (migration 0002). It runs with the caller's rights (SECURITY INVOKER),
-- hence the table grants above. PostgreSQL grants EXECUTE to PUBLIC by default: granted
-- here too, so that revoking it from PUBLIC (a hardened cluster) keeps the worker running.
GRANT EXECUTE ON FUNCTION :"schema".file_status_change(uuid, text, text[], uuid, text, text, text, text, integer) TO :"role";
