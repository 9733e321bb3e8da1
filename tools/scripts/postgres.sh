#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use answers at 127.0.0.1:5432 (or WORKFLOW_TEST_POSTGRES_URL).
# Starts the local cluster when it is down and pg_ctlcluster is available.
# Exit 0: reachable. Exit 1: not reachable (the caller decides whether that is fatal).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${VIRTUAL_ENV:-$root/.venv}/bin/python"
url="${WORKFLOW_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"

probe() {
  "$py" - "$url" <<'PY'
import asyncio, sys
import asyncpg
async def main() -> None:
    conn = await asyncpg.connect(sys.argv[1], timeout=5)
    await conn.fetchval("select 1")
    await conn.close()
try:
    asyncio.run(main())
except Exception as err:  # noqa: BLE001
    print(f"  {type(err).__name__}: {err}", file=sys.stderr)
    sys.exit(1)
PY
}

probe 2>/dev/null && exit 0
if command -v pg_lsclusters >/dev/null 2>&1; then
  version="$(pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1; exit}')"
  if [ -n "$version" ]; then
    echo "[postgres] not answering; starting cluster $version/main" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 20); do probe 2>/dev/null && exit 0; sleep 0.5; done
  fi
fi
echo "[postgres] PostgreSQL is not reachable at ${url##*@}:" >&2
probe || true
exit 1
