#!/usr/bin/env bash
# The README's test command: sets the workspace up, checks PostgreSQL (and PgBouncer), then runs every
# project's lint, typecheck and test targets through Nx. Extra arguments go to Nx.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=bootstrap.sh
source tools/scripts/bootstrap.sh

if ! bash tools/scripts/postgres.sh; then
  if [ -n "${CI:-}" ]; then
    echo "[test] FATAL: PostgreSQL is required in CI and is not reachable." >&2
    exit 1
  fi
  echo "[test] PostgreSQL is down: its tests will be skipped, with the reason in the summary." >&2
fi

if ! bash tools/scripts/pgbouncer.sh; then
  if [ -n "${CI:-}" ]; then
    echo "[test] FATAL: PgBouncer is required in CI (the connection-pooler tests) and is missing." >&2
    exit 1
  fi
  echo "[test] PgBouncer is missing: the connection-pooler tests will be skipped." >&2
fi

exec node_modules/.bin/nx run-many -t lint typecheck test --output-style=static "$@"
