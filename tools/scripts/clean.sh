#!/usr/bin/env bash
# Removes everything the bootstrap installed or built inside the repository.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rm -rf node_modules .tools .venv .venv-3.* .nx/cache .nx/workspace-data libs/*/dist apps/*/dist tools/*/dist
echo "cleaned: node_modules .tools .venv .venv-3.* (the Python matrix) .nx caches and dist folders"
