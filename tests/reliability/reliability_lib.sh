# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Shared by crash_test.sh and soak_test.sh (sourced): the programs under
# test, a fresh work folder, and starting, killing and stopping the server
# and the webhook receiver. Every wait is bounded.
#
# Environment: AFTERSALES_BIN (the aftersales program),
# AFTERSALES_RELIABILITY_DRIVER (reliability_driver), AFTERSALES_SQLITE3
# (default: sqlite3 on PATH); CTest sets all three. With
# AFTERSALES_RELIABILITY_KEEP=1 the work folder is kept (it always is when
# something failed).

BIN="${AFTERSALES_BIN:-}"
DRIVER="${AFTERSALES_RELIABILITY_DRIVER:-}"
SQLITE3="${AFTERSALES_SQLITE3:-sqlite3}"
for program in "$BIN" "$DRIVER"; do
  if [ -z "$program" ] || [ ! -x "$program" ]; then
    echo "set AFTERSALES_BIN and AFTERSALES_RELIABILITY_DRIVER to the built programs (ctest does)" >&2
    exit 2
  fi
done
command -v "$SQLITE3" >/dev/null || { echo "no sqlite3 program (scripts/install-deps.sh installs it)" >&2; exit 2; }

WORK="$(mktemp -d -t aftersales-reliability.XXXXXX)"
DB="$WORK/aftersales.db"
LOG="$WORK/requests.log"
RECEIVED="$WORK/received.log"
FIXTURE="$WORK/fixture.json"
ADMIN_TOKEN="reliability-admin-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
SERVER_PID=""
RECEIVER_PID=""
URL=""
VIOLATIONS=0
STARTED_AT=$SECONDS

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$RECEIVER_PID" ]; then kill -TERM "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] || [ "${AFTERSALES_RELIABILITY_KEEP:-0}" = 1 ]; then
    echo "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

violation() {
  VIOLATIONS=$((VIOLATIONS + 1))
  echo "VIOLATION: $*"
}

# Waits up to $2 tenths of a second for file $1 to exist.
wait_for_file() {
  local i
  for ((i = 0; i < $2; i++)); do
    [ -e "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

start_receiver() {
  "$DRIVER" receive --out "$RECEIVED" --info "$WORK/receiver.json" &
  RECEIVER_PID=$!
  wait_for_file "$WORK/receiver.json" 100 || { echo "the webhook receiver did not start" >&2; exit 2; }
}

# Starts `aftersales serve --test-clock` on the database and sets URL once
# it listens (it has fired what came due while it was down by then).
start_server() {
  : >"$WORK/server.out"
  AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" "$BIN" serve --db "$DB" --listen 127.0.0.1:0 --test-clock \
    >"$WORK/server.out" 2>>"$WORK/server.err" &
  SERVER_PID=$!
  local i
  for ((i = 0; i < 300; i++)); do
    if grep -q 'listening on' "$WORK/server.out"; then
      URL="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/server.out" | head -1)"
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" || true
      SERVER_PID=""
      echo "the server exited at start:" >&2
      tail -5 "$WORK/server.err" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the server did not listen within 30 s" >&2
  return 1
}

kill_server() {
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# SIGTERM, and the server must finish its requests and exit 0 within 30 s.
stop_server() {
  kill -TERM "$SERVER_PID"
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    violation "the server did not stop within 30 s of SIGTERM"
    kill_server
    return
  fi
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  [ "$rc" -eq 0 ] || violation "the server exited $rc after SIGTERM"
}

# The file checks of database $1 (named $2 in messages): SQLite's
# integrity and foreign-key checks, read-only, and `aftersales audit verify`.
check_file() {
  local integrity foreign_keys
  integrity="$(timeout 120 "$SQLITE3" -readonly "$1" 'PRAGMA integrity_check' 2>&1 || true)"
  [ "$integrity" = ok ] || violation "$2: PRAGMA integrity_check: $integrity"
  foreign_keys="$(timeout 120 "$SQLITE3" -readonly "$1" 'PRAGMA foreign_key_check' 2>&1 || true)"
  [ -z "$foreign_keys" ] || violation "$2: PRAGMA foreign_key_check: $(head -3 <<<"$foreign_keys")"
  if ! timeout 120 "$BIN" audit verify --db "$1" >"$WORK/verify.out" 2>&1; then
    violation "$2: aftersales audit verify: $(tail -2 "$WORK/verify.out")"
  fi
}

# Runs the driver's `check` with the given options (the first being
# --label NAME), its report into $WORK/check.out; a failed check is a
# violation, and its report is printed with `show_check`.
run_check() {
  local rc=0
  timeout 300 "$DRIVER" check --fixture "$FIXTURE" --log "$LOG" "$@" >"$WORK/check.out" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || violation "check $2 exited $rc (report below)"
  return 0
}

show_check() {
  cat "$WORK/check.out"
}

# The value of figure $1 ("  NAME: value") in the last check's report.
check_figure() {
  sed -n "s/^  $1: //p" "$WORK/check.out" | head -1
}

# How many instances of invariant $1 the last check checked.
check_count() {
  grep -F "    $1: " "$WORK/check.out" | grep -oE '[0-9]+ checked' | cut -d' ' -f1 | head -1
}

# "N instances checked" of the last check's first line.
check_instances() {
  head -1 "$WORK/check.out" | grep -oE '[0-9]+ instances checked' | cut -d' ' -f1
}

# "1.234" seconds from milliseconds.
seconds_of_millis() {
  printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}
