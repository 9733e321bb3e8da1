#!/usr/bin/env bash
# The README's main command: sets the workspace up, then runs the end-to-end demo.
# Arguments go to the demo (--files N, --database-url URL, --keep-running). A leading `--`
# (the npm habit: `pnpm run demo -- --files 2`, which pnpm passes through) is dropped.
set -euo pipefail
if [ "${1:-}" = "--" ]; then
  shift
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
# shellcheck source=bootstrap.sh
source tools/scripts/bootstrap.sh
exec python -m workflow_demo "$@"
