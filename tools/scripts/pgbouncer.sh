#!/usr/bin/env bash
# Makes sure PgBouncer's binary is on this machine (the pooler tests start their own, on a free
# port, with their own configuration; no service is enabled or started here).
# Installs Debian's package when it is missing and this shell may (root with apt-get).
# Exit 0: available. Exit 1: not available (the caller decides whether that is fatal).
set -uo pipefail

found() { command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; }

found && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[pgbouncer] installing Debian's pgbouncer package" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends pgbouncer; } >&2 || true
  # The package may enable a service; the tests never use it.
  found && exit 0
fi
echo "[pgbouncer] pgbouncer is not installed: apt-get install pgbouncer (1.18 or newer)" >&2
exit 1
