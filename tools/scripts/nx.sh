#!/usr/bin/env bash
# `pnpm nx ...` lands here: set the workspace up (quick when done), then run Nx.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=bootstrap.sh
source "$root/tools/scripts/bootstrap.sh"
exec "$root/node_modules/.bin/nx" "$@"
