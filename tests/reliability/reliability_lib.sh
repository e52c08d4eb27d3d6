# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Shared by the reliability scripts (sourced): the programs under
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
KILLS=0  # crash_round's SIGKILLs
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

# Starts `aftersales serve --test-clock` with the store options after $1
# (--db FILE or --store URI), its output in $WORK/$1.out and $WORK/$1.err;
# sets STARTED_PID and STARTED_URL once it listens (it has fired what came
# due while it was down by then). STARTED_PID is empty when it exited.
serve_store() {
  local name="$1"
  shift
  : >"$WORK/$name.out"
  AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" "$BIN" serve "$@" --listen 127.0.0.1:0 --test-clock \
    >"$WORK/$name.out" 2>>"$WORK/$name.err" &
  STARTED_PID=$!
  STARTED_URL=""
  local i
  for ((i = 0; i < 300; i++)); do
    if grep -q 'listening on' "$WORK/$name.out"; then
      STARTED_URL="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/$name.out" | head -1)"
      return 0
    fi
    if ! kill -0 "$STARTED_PID" 2>/dev/null; then
      wait "$STARTED_PID" || true
      STARTED_PID=""
      echo "the server ($name) exited at start:" >&2
      tail -5 "$WORK/$name.err" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the server ($name) did not listen within 30 s" >&2
  return 1
}

# SIGTERM to server $1 (named $2 in messages): it must finish its requests
# and exit 0 within 30 s, or it is killed and that is a violation.
stop_served() {
  kill -TERM "$1"
  local i rc=0
  for ((i = 0; i < 300; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$1" 2>/dev/null; then
    violation "$2 did not stop within 30 s of SIGTERM"
    kill -KILL "$1"
    wait "$1" 2>/dev/null || true
    return
  fi
  wait "$1" || rc=$?
  [ "$rc" -eq 0 ] || violation "$2 exited $rc after SIGTERM"
}

# The server on the SQLite file $DB: SERVER_PID and URL.
start_server() {
  local rc=0
  serve_store server --db "$DB" || rc=$?
  SERVER_PID="$STARTED_PID"
  URL="$STARTED_URL"
  return "$rc"
}

kill_server() {
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

stop_server() {
  stop_served "$SERVER_PID" "the server"
  SERVER_PID=""
}

# One round of a crash run: the load (run id $1) on the server, killed with
# SIGKILL $2 ms plus up to $3 ms into it; then the file is checked and the
# server started again. Sets DELAY_MS; counts KILLS; a violation when the
# load fails or the server does not start again (then the caller stops).
crash_round() {
  rm -f "$WORK/ready"
  timeout 180 "$DRIVER" load --url "$URL" --fixture "$FIXTURE" --log "$LOG" --run-id "$1" \
    --clients "$CLIENTS" --seconds 60 --seed "$((SEED + KILLS + 1))" --ready-file "$WORK/ready" \
    >"$WORK/load.out" 2>&1 &
  local load_pid=$!
  wait_for_file "$WORK/ready" 300 || violation "$1: the clients did not start within 30 s"
  DELAY_MS=$(($2 + RANDOM % $3))
  sleep "$(seconds_of_millis "$DELAY_MS")"
  kill_server
  KILLS=$((KILLS + 1))
  local load_rc=0
  wait "$load_pid" || load_rc=$?
  [ "$load_rc" -eq 0 ] || violation "$1: the load exited $load_rc: $(tail -3 "$WORK/load.out")"
  check_file "$DB" "$1, after the kill"
  start_server || { violation "$1: the server does not start after the kill"; return 1; }
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
# violation, and its report is printed with `show_check`. CHECK_TIMEOUT
# (seconds, 300) bounds it; a long soak checks more and sets it higher.
run_check() {
  local rc=0
  timeout "${CHECK_TIMEOUT:-300}" "$DRIVER" check --fixture "$FIXTURE" --log "$LOG" "$@" >"$WORK/check.out" 2>&1 || rc=$?
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
