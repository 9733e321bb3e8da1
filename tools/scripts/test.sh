#!/usr/bin/env bash
# The README's test command: sets the workspace up, checks PostgreSQL (and PgBouncer) and the
# Python versions, then runs every project's lint, typecheck and test targets through Nx, and the
# test-matrix targets (the libraries' tests and the demo's smoke test on the highest supported
# Python). Extra arguments go to Nx. It ends with what ran on which Python version, and names any
# version it could not check (NOT CHECKED: in CI that fails before the tests start).
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

# The Python versions (root pyproject.toml [tool.python-matrix], docs/python-versions.md): each
# interpreter found, and .venv-<highest> synced from poetry.lock (skipped when nothing changed).
targets="lint,typecheck,test,test-matrix,contract-check"
matrix=0
python tools/scripts/python_matrix.py prepare || matrix=$?
if [ "$matrix" -eq 2 ]; then
  targets="lint,typecheck,test,contract-check"  # the highest version is missing: the summary says NOT CHECKED
elif [ "$matrix" -ne 0 ]; then
  echo "[test] FATAL: the Python versions are not all here (see above)." >&2
  exit 1
fi

status=0
node_modules/.bin/nx run-many -t "$targets" --output-style=static "$@" || status=$?
echo
python tools/scripts/python_matrix.py summary
exit "$status"
