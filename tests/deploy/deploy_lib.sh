# shellcheck shell=bash
# Shared by the tests of tests/deploy (sourced): the programs under test, a
# fresh work folder, cleanup that runs on every exit, starting and stopping
# `aftersales serve`, and bounded waits. Every test fails loudly: `fail`
# prints the reason and exits 1; the cleanup handlers still run.
#
# Environment (CTest sets it): AFTERSALES_BIN (the built aftersales),
# AFTERSALES_SOURCE_DIR (the checkout), AFTERSALES_BUILD_DIR (the build
# folder). AFTERSALES_DEPLOY_KEEP=1 keeps the work folder (it is kept
# anyway when a test fails).
set -euo pipefail

BIN="${AFTERSALES_BIN:-}"
SOURCE_DIR="${AFTERSALES_SOURCE_DIR:-}"
BUILD_DIR="${AFTERSALES_BUILD_DIR:-}"
if [ -z "$BIN" ] || [ ! -x "$BIN" ] || [ ! -d "$SOURCE_DIR" ]; then
  echo "set AFTERSALES_BIN, AFTERSALES_SOURCE_DIR and AFTERSALES_BUILD_DIR (ctest does)" >&2
  exit 2
fi
WORK="$(mktemp -d -t aftersales-deploy.XXXXXX)"
CLEANUPS=()
TEST_STARTED=$SECONDS

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Registers a command to run at exit, last registered first.
at_exit() {
  CLEANUPS+=("$*")
}

run_cleanups() {
  local rc=$? i
  set +e
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${CLEANUPS[i]}"
  done
  if [ "$rc" -ne 0 ] || [ "${AFTERSALES_DEPLOY_KEEP:-0}" = 1 ]; then
    echo "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  echo "$(basename "$0"): $([ "$rc" -eq 0 ] && echo passed || echo "FAILED ($rc)") in $((SECONDS - TEST_STARTED)) s"
  exit "$rc"
}
trap run_cleanups EXIT
trap 'exit 130' INT TERM

# Requires each program on PATH, naming the Debian package to install.
require_programs() {
  local pair program package
  for pair in "$@"; do
    program="${pair%%:*}"
    package="${pair#*:}"
    command -v "$program" >/dev/null 2>&1 ||
      fail "no $program: install the Debian package $package (scripts/install-deps.sh does)"
  done
}

# Waits up to $1 tenths of a second for the command $2... to succeed.
wait_until() {
  local tenths="$1" i
  shift
  for ((i = 0; i < tenths; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# Stops process $1 (a child of this shell) with SIGTERM, then SIGKILL after
# 30 s, reaps it and sets STOPPED_STATUS to its exit status. Not in a
# subshell: only this shell can wait for its children.
stop_process() {
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  STOPPED_STATUS=0
  wait "$pid" 2>/dev/null || STOPPED_STATUS=$?
}

# Stops the server $1 (a pid) and fails unless it exited 0 on SIGTERM.
stop_server_cleanly() {
  stop_process "$1"
  [ "$STOPPED_STATUS" = 0 ] || fail "the server exited $STOPPED_STATUS on SIGTERM"
}

# start_server NAME ARGS...: runs `aftersales serve ARGS... --listen
# 127.0.0.1:0` in the background (stdout $WORK/NAME.out, stderr
# $WORK/NAME.err: the access log), waits until it listens, and sets
# SERVER_PID and SERVER_URL. AFTERSALES_BOOTSTRAP_TOKEN passes through. The
# server is stopped at exit.
start_server() {
  local name="$1"
  shift
  "$BIN" serve "$@" --listen 127.0.0.1:0 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVER_PID=$!
  at_exit "kill -KILL $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null"
  local i
  for ((i = 0; i < 300; i++)); do
    if grep -q 'listening on' "$WORK/$name.out"; then
      SERVER_URL="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$WORK/$name.out" | head -1)"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server $name exited at start: $(tail -3 "$WORK/$name.err")"
    sleep 0.1
  done
  fail "the server $name did not listen within 30 s"
}

# A free TCP port on 127.0.0.1 (nothing answers there now), below the
# kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 and up by
# default), so that no client socket of a test running alongside holds it.
# Another program may still take it before the caller binds it: callers that
# start a listener retry with new ports when the bind fails.
free_port() {
  local port i low
  low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 12000 ] 2>/dev/null || low=32768
  for ((i = 0; i < 100; i++)); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  fail "no free port found"
}

# An admin token for a server started with it in AFTERSALES_BOOTSTRAP_TOKEN.
new_token() {
  echo "as_test_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
}

# json_request METHOD URL TOKEN [BODY]: prints "STATUS BODY".
json_request() {
  local method="$1" url="$2" token="$3" body="${4:-}"
  local args=(-s -o "$WORK/response.json" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $token")
  if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$body"); fi
  local status
  status="$(curl "${args[@]}" "$url")" || status=000
  echo "$status $(cat "$WORK/response.json" 2>/dev/null)"
}
