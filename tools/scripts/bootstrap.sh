#!/usr/bin/env bash
# Idempotent workspace set-up, sourced by every entry point (pnpm nx, test, demo).
#
# Installs, all inside the repository (remove with `tools/scripts/clean.sh`):
#   node_modules/   Nx and @nxlv/python, with pnpm 12.4.2 run through npx
#   .tools/poetry/  a private venv holding Poetry and its export and mirror plugins
#   .venv/          the one shared Python environment of every project (poetry install), on
#                   the lowest supported Python (root pyproject.toml [tool.python-matrix])
# Each step is skipped when its inputs have not changed, so a second run is quick.
# The highest supported Python gets .venv-<version>, synced from the same lock by
# tools/scripts/python_matrix.py (test.sh runs it; docs/python-versions.md).
# Sourcing it also exports PATH, VIRTUAL_ENV and Poetry's settings for the caller.

_ws_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PNPM_VERSION=12.4.2
POETRY_VERSION=2.5.1
POETRY_PLUGINS="poetry-plugin-export==1.10.1 poetry-plugin-pypi-mirror==0.6.5"

_log() { printf '[bootstrap] %s\n' "$*" >&2; }
_die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; return 1 2>/dev/null || exit 1; }

_bootstrap() {
  local root="$_ws_root"
  local py="${PYTHON:-python3}"
  command -v "$py" >/dev/null || { _die "python3 (3.11+) is required"; return 1; }
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { _die "python3 must be 3.11 or newer (found $("$py" --version 2>&1))"; return 1; }
  command -v node >/dev/null || { _die "node (20+) is required"; return 1; }

  # 1. Node side: Nx and the Python plugin, exactly as locked.
  if [ ! -f "$root/node_modules/.modules.yaml" ] \
     || [ "$root/pnpm-lock.yaml" -nt "$root/node_modules/.modules.yaml" ]; then
    _log "installing node modules (pnpm $PNPM_VERSION, frozen lockfile)"
    (cd "$root" && npx --yes "pnpm@$PNPM_VERSION" install --frozen-lockfile --reporter=append-only) >&2 \
      || { _die "pnpm install failed"; return 1; }
    touch "$root/node_modules/.modules.yaml"
  fi

  # 2. Poetry in a private tools venv (never global).
  local tools="$root/.tools/poetry"
  local want="poetry==$POETRY_VERSION $POETRY_PLUGINS"
  if [ "$(cat "$tools/.installed" 2>/dev/null)" != "$want" ]; then
    _log "installing $want into .tools/poetry"
    rm -rf "$tools"
    "$py" -m venv "$tools" >&2 || { _die "cannot create $tools"; return 1; }
    # shellcheck disable=SC2086
    "$tools/bin/pip" install --quiet $want >&2 || { _die "installing Poetry failed"; return 1; }
    echo "$want" >"$tools/.installed"
  fi

  # 3. Environment for Poetry and the plugin; the mirror is pip's own effective index.
  export POETRY_PYPI_MIRROR_URL="${POETRY_PYPI_MIRROR_URL:-$("$py" "$root/tools/scripts/index_url.py")}"
  export POETRY_VIRTUALENVS_IN_PROJECT=true
  export POETRY_NO_INTERACTION=1
  export POETRY_CACHE_DIR="${POETRY_CACHE_DIR:-$root/.tools/cache/poetry}"
  export PATH="$tools/bin:$PATH"

  # 4. The shared venv, re-synced when any pyproject or lock file changes.
  local stamp
  stamp="$(cd "$root" && cat pyproject.toml poetry.lock $(git ls-files '*/pyproject.toml' 2>/dev/null || true) \
           2>/dev/null | sha256sum | cut -c1-16)"
  if [ "$(cat "$root/.venv/.bootstrap-stamp" 2>/dev/null)" != "$stamp" ]; then
    _log "syncing the shared Python environment (.venv)"
    # Poetry installs into an active VIRTUAL_ENV: one inherited from another checkout's shell
    # must not receive this workspace's packages.
    (cd "$root" && unset VIRTUAL_ENV && poetry env use "$(command -v "$py")" >/dev/null \
       && poetry sync --no-interaction) >&2 \
      || { _die "poetry sync failed"; return 1; }
    echo "$stamp" >"$root/.venv/.bootstrap-stamp"
  fi

  export VIRTUAL_ENV="$root/.venv"
  export PATH="$VIRTUAL_ENV/bin:$PATH"
  unset PYTHONHOME
  # Nx: no cloud, no telemetry, no daemon in CI.
  export NX_NO_CLOUD=true
  if [ -n "${CI:-}" ]; then export NX_DAEMON=false; fi
  return 0
}

_bootstrap
