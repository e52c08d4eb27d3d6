#!/usr/bin/env bash
# Quick start: installs what is missing, builds the server (only the
# `aftersales` target: no tests or benchmarks), creates a demo database on
# first run (printing its logins) and serves the API and web UI.
#   DB=demo.db LISTEN=127.0.0.1:8080 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-demo.db}"
LISTEN="${LISTEN:-127.0.0.1:8080}"
scripts/install-deps.sh
scripts/build.sh release aftersales
bin=build/release/cli/aftersales
if [ ! -f "$DB" ]; then
  "$bin" demo --db "$DB" | tee demo-logins.txt
  echo "==> the logins above are also in demo-logins.txt"
else
  echo "==> using the existing $DB (delete it for fresh demo data; logins are in demo-logins.txt)"
fi
echo "==> serving on http://$LISTEN (Ctrl-C stops)"
exec "$bin" serve --db "$DB" --listen "$LISTEN"
