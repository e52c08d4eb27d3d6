#!/usr/bin/env bash
# Scale-out test (README.md): three `aftersales serve --store` servers on one
# PostgreSQL database, behind nginx running deploy/nginx/aftersales-scale-out.conf
# (only its ports changed), under load from concurrent clients, racers and
# the clock mover. While the load runs, servers are killed (SIGKILL) and
# restarted on their ports, and PostgreSQL itself is stopped at once
# (immediate shutdown: a crash) and started again. Then every invariant of
# the crash test is checked on the PostgreSQL database, with the outage's
# own: answered 503 promptly while it lasted, acknowledged again after.
# Needs nothing running: it makes its own PostgreSQL cluster
# (scripts/pg-test-cluster.sh) and nginx, and stops them, also on failure.
# Exits non-zero on any violation.
#
# Options (or environment): --seconds N (AFTERSALES_SCALE_OUT_SECONDS, 60:
# the load's length), --clients N (AFTERSALES_SCALE_OUT_CLIENTS, 8), --seed
# N (AFTERSALES_RELIABILITY_SEED; random by default, printed for a rerun).
# AFTERSALES_SOURCE_DIR names the checkout (default: two folders up).
set -euo pipefail
LOAD_SECONDS="${AFTERSALES_SCALE_OUT_SECONDS:-60}"
CLIENTS="${AFTERSALES_SCALE_OUT_CLIENTS:-8}"
SEED="${AFTERSALES_RELIABILITY_SEED:-$((RANDOM * 32768 + RANDOM))}"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) LOAD_SECONDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--clients N] [--seed N]" >&2; exit 2 ;;
  esac
done
[ "$LOAD_SECONDS" -ge 40 ] || { echo "--seconds must be at least 40 (the disruptions need the time)" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
SOURCE_DIR="${AFTERSALES_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}"
PG_CLUSTER="$SOURCE_DIR/scripts/pg-test-cluster.sh"
EXAMPLE="$SOURCE_DIR/deploy/nginx/aftersales-scale-out.conf"
for program in nginx:nginx-light psql:postgresql-client-15 curl:curl; do
  command -v "${program%%:*}" >/dev/null 2>&1 ||
    { echo "no ${program%%:*}: install the Debian package ${program#*:} (scripts/install-deps.sh does)" >&2; exit 2; }
done
if [ ! -x "$PG_CLUSTER" ] || [ ! -f "$EXAMPLE" ]; then echo "no $PG_CLUSTER or $EXAMPLE" >&2; exit 2; fi
# shellcheck source=reliability_lib.sh
source "$HERE/reliability_lib.sh"
RANDOM=$SEED  # the disruption moments follow the seed too

# PostgreSQL runs as the postgres user when this runs as root: it must reach
# its folder inside the work folder. Listing the folder stays closed, and
# every file made from here on is its owner's alone.
umask 077
chmod 711 "$WORK"
PG_DIR="$WORK/pg"
PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
[ -x "$PG_BINDIR/pg_ctl" ] || PG_BINDIR="$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)"
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

SERVER_PIDS=("" "" "")
PORTS=("" "" "")
SERVER_STARTS=(0 0 0)
NGINX_PID=""
LB_URL=""
LOAD_PID=""
KILLS_MS=()
OUTAGES=()
scale_out_cleanup() {
  local rc=$? i
  set +e
  if [ -n "$LOAD_PID" ]; then kill -TERM "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; fi
  for i in 0 1 2; do
    if [ -n "${SERVER_PIDS[i]}" ]; then kill -KILL "${SERVER_PIDS[i]}" 2>/dev/null; wait "${SERVER_PIDS[i]}" 2>/dev/null; fi
  done
  if [ -n "$NGINX_PID" ]; then kill -QUIT "$NGINX_PID" 2>/dev/null; sleep 0.3; kill -KILL "$NGINX_PID" 2>/dev/null; wait "$NGINX_PID" 2>/dev/null; fi
  if [ -e "$PG_DIR" ]; then
    # The cluster goes; its log, and after a failure a dump of the
    # database, stay with the work folder if it is kept.
    cp "$PG_DIR/server.log" "$WORK/postgres.log" 2>/dev/null
    if [ -n "${STORE_URI:-}" ] && { [ "$rc" -ne 0 ] || [ "${AFTERSALES_RELIABILITY_KEEP:-0}" = 1 ]; }; then
      timeout 120 pg_dump -Fc -f "$WORK/aftersales.pgdump" "$STORE_URI" 2>/dev/null &&
        echo "the database, dumped: $WORK/aftersales.pgdump (pg_restore)"
    fi
    "$PG_CLUSTER" stop "$PG_DIR" >/dev/null 2>&1 || echo "could not stop the PostgreSQL cluster in $PG_DIR" >&2
  fi
  (exit "$rc")
  cleanup  # reliability_lib.sh: the receiver, the work folder
}
trap scale_out_cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
since() { echo $((SECONDS - STARTED_AT)); }

# A free TCP port on 127.0.0.1 below the ephemeral range (nothing answers
# there now; the caller's bind decides).
free_port() {
  local port i
  for ((i = 0; i < 100; i++)); do
    port=$((10000 + RANDOM % 22000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# --- PostgreSQL --------------------------------------------------------------
ADMIN_URI="$("$PG_CLUSTER" start "$PG_DIR" 2>"$WORK/pg-cluster.err")" ||
  { cat "$WORK/pg-cluster.err" >&2; exit 2; }
psql -q -v ON_ERROR_STOP=1 "$ADMIN_URI" -c 'CREATE DATABASE aftersales' >/dev/null
STORE_URI="${ADMIN_URI%/*}/aftersales"
echo "scale-out test: $LOAD_SECONDS s of load, $CLIENTS clients, seed $SEED; PostgreSQL at $STORE_URI"

# --- three servers -------------------------------------------------------------
# Starts server $1 (0..2) on its port (a new one when it has none yet) and
# returns once it listens; 1 when it exits, saying why.
start_server_n() {
  local n="$1"
  [ -n "${PORTS[n]}" ] || PORTS[n]="$(free_port)"
  : >"$WORK/server$n.out"
  echo "--- start $((SERVER_STARTS[n] + 1)) at $(since) s" >>"$WORK/server$n.err"
  AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" "$BIN" serve --store "$STORE_URI" --listen "127.0.0.1:${PORTS[n]}" \
    --test-clock --trusted-proxy 127.0.0.1 >"$WORK/server$n.out" 2>>"$WORK/server$n.err" &
  SERVER_PIDS[n]=$!
  SERVER_STARTS[n]=$((SERVER_STARTS[n] + 1))
}
wait_server_n() {
  local n="$1" i
  for ((i = 0; i < 300; i++)); do
    grep -q 'listening on' "$WORK/server$n.out" && return 0
    if ! kill -0 "${SERVER_PIDS[n]}" 2>/dev/null; then
      wait "${SERVER_PIDS[n]}" 2>/dev/null || true
      SERVER_PIDS[n]=""
      echo "server $n exited at start: $(tail -3 "$WORK/server$n.err")"
      return 1
    fi
    sleep 0.1
  done
  echo "server $n did not listen within 30 s"
  return 1
}
# All three at once, as a deployment starts them: one migrates the fresh
# database, one creates the bootstrap admin, the others find them done.
for n in 0 1 2; do start_server_n "$n"; done
for n in 0 1 2; do
  if ! wait_server_n "$n"; then
    if grep -q 'Address already in use\|could not bind\|cannot listen' "$WORK/server$n.err"; then
      PORTS[n]=""  # taken meanwhile: another port
    else
      violation "server $n did not start alongside the others: $(tail -2 "$WORK/server$n.err")"
    fi
    start_server_n "$n"
    wait_server_n "$n" || { violation "server $n does not start"; exit 1; }
  fi
done
echo "servers on ports ${PORTS[*]} ($(since) s)"

# --- nginx, with the shipped example ------------------------------------------
SITE="$WORK/nginx/site.conf"
mkdir -p "$WORK/nginx/tmp"
# The example with this run's ports; each line replaced must be there
# exactly once, so that a changed example fails here, not halfway.
replace() {  # replace PATTERN REPLACEMENT (sed -E, % as separator)
  local found
  found="$(grep -cE "$1" "$SITE" || true)"
  [ "$found" = 1 ] || { echo "$EXAMPLE: expected 1 line matching '$1', found $found" >&2; exit 2; }
  sed -i -E "s%$1%$2%" "$SITE"
}
write_site() {
  cp "$EXAMPLE" "$SITE"
  replace '^( *)server 127\.0\.0\.1:8081 ' "\\1server 127.0.0.1:${PORTS[0]} "
  replace '^( *)server 127\.0\.0\.1:8082 ' "\\1server 127.0.0.1:${PORTS[1]} "
  replace '^( *)server 127\.0\.0\.1:8083 ' "\\1server 127.0.0.1:${PORTS[2]} "
  replace '^( *)listen 127\.0\.0\.1:8080;' "\\1listen 127.0.0.1:$LB_PORT;"
}
cat >"$WORK/nginx/nginx.conf" <<CONF
# The test's nginx: the example site inside a minimal http block, every file
# in the work folder. The access log names the server each request went to.
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    log_format upstreams '\$msec \$status \$upstream_addr \$upstream_status \$request_method \$uri';
    access_log $WORK/nginx/access.log upstreams;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $SITE;
}
CONF
for ((attempt = 1; attempt <= 5; attempt++)); do
  LB_PORT="$(free_port)"
  write_site
  nginx -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>"$WORK/nginx-t.err" ||
    { echo "nginx -t refuses the example: $(cat "$WORK/nginx-t.err")" >&2; exit 2; }
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>>"$WORK/nginx/error.log" &
  NGINX_PID=$!
  for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$LB_PORT/healthz" && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
  grep -q 'Address already in use' "$WORK/nginx/error.log" ||
    { echo "nginx exited at start: $(tail -3 "$WORK/nginx/error.log")" >&2; exit 2; }
done
[ -n "$NGINX_PID" ] || { echo "nginx found no free port" >&2; exit 2; }
LB_URL="http://127.0.0.1:$LB_PORT"

# The client's address reaches the servers: a request from 127.0.0.2 is
# logged by the server that answered it as from 127.0.0.2 (X-Forwarded-For,
# believed from nginx's address, --trusted-proxy).
for i in 1 2 3; do curl -s -o /dev/null --interface 127.0.0.2 "$LB_URL/api/v1/openapi.json?xff=$i"; done
sleep 0.3
if ! cat "$WORK"/server?.err | grep '"path":"/api/v1/openapi.json"' | grep -q '"remote":"127.0.0.2"'; then
  violation "a request through nginx from 127.0.0.2 is not logged by a server as from 127.0.0.2: " \
    "$(cat "$WORK"/server?.err | grep '/api/v1/openapi.json' | head -1)"
fi

start_receiver
timeout 60 "$DRIVER" setup --url "$LB_URL" --admin-token "$ADMIN_TOKEN" --receiver-info "$WORK/receiver.json" \
  --fixture "$FIXTURE"
: >"$LOG"
echo "nginx on $LB_URL; setup done ($(since) s)"

# --- disruptions under load ----------------------------------------------------
# A server's answer to an authenticated request that reads the database,
# directly (not through nginx): "STATUS MILLISECONDS".
probe_server() {
  local n="$1" t0 status
  t0="$(now_ms)"
  status="$(curl -s -m 20 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:${PORTS[n]}/api/v1/users")" || status=000
  echo "$status $(($(now_ms) - t0))"
}

# Each server still runs (nothing but this script may have ended it).
check_alive() {
  local n
  for n in 0 1 2; do
    if [ -n "${SERVER_PIDS[n]}" ] && ! kill -0 "${SERVER_PIDS[n]}" 2>/dev/null; then
      local rc=0
      wait "${SERVER_PIDS[n]}" || rc=$?
      SERVER_PIDS[n]=""
      violation "server $n died by itself (exit $rc, $1): $(tail -3 "$WORK/server$n.err")"
      start_server_n "$n"
      wait_server_n "$n" || violation "server $n does not start again"
    fi
  done
}

kill_and_restart() {
  local n="$1"
  check_alive "before kill $((${#KILLS_MS[@]} + 1))"
  kill -KILL "${SERVER_PIDS[n]}"
  KILLS_MS+=("$(now_ms)")
  wait "${SERVER_PIDS[n]}" 2>/dev/null || true
  SERVER_PIDS[n]=""
  sleep "0.$((2 + RANDOM % 7))"
  start_server_n "$n"
  if wait_server_n "$n"; then
    echo "  $(since) s: killed server $n (SIGKILL, wall ms ${KILLS_MS[-1]}) and restarted it on port ${PORTS[n]}"
  else
    violation "server $n does not start again on port ${PORTS[n]} after SIGKILL"
  fi
}

OUTAGE_REPORT=""
restart_postgres() {
  local from to n down_probe up_probe waited
  check_alive "before the PostgreSQL restart"
  from="$(now_ms)"
  pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>>"$WORK/pg_ctl.err" ||
    violation "pg_ctl stop -m immediate failed: $(tail -2 "$WORK/pg_ctl.err")"
  # While it is down each server answers at once, 503.
  down_probe=""
  for n in 0 1 2; do down_probe+="${down_probe:+, }server $n $(probe_server "$n") ms"; done
  sleep 2
  pg_as_owner "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -o "-p $(cat "$PG_DIR/port")" -w -t 60 \
    start >/dev/null 2>>"$WORK/pg_ctl.err" || { violation "PostgreSQL does not start again"; return; }
  to="$(now_ms)"
  OUTAGES+=("$from:$to")
  for n in 0 1 2; do
    case "$down_probe" in *"server $n 503 "*) ;; *) violation "while PostgreSQL was down server $n did not answer 503 promptly: $down_probe" ;; esac
  done
  # Afterwards each recovers by itself: 200 again within 10 s.
  up_probe=""
  for n in 0 1 2; do
    for ((waited = 0; waited < 100; waited++)); do
      [ "$(probe_server "$n" | cut -d' ' -f1)" = 200 ] && break
      sleep 0.1
    done
    if [ "$waited" -ge 100 ]; then
      violation "server $n did not answer 200 again within 10 s of PostgreSQL's restart: $(probe_server "$n")"
    fi
    up_probe+="${up_probe:+, }server $n after $((waited * 100)) ms"
  done
  check_alive "after the PostgreSQL restart"
  OUTAGE_REPORT="PostgreSQL down $((to - from)) ms (immediate shutdown, 2 s, start; wall ms $from:$to);"
  OUTAGE_REPORT+=" each server probed directly while it was down (status, ms): $down_probe; 200 again: $up_probe"
  echo "  $(since) s: $OUTAGE_REPORT"
}

rm -f "$WORK/ready"
load_rc=0
timeout $((LOAD_SECONDS + 300)) "$DRIVER" load --url "$LB_URL" --fixture "$FIXTURE" --log "$LOG" --run-id so \
  --clients "$CLIENTS" --seconds "$LOAD_SECONDS" --seed "$SEED" --invalid --behind-proxy --race-every 0.8 \
  --racers 4 >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
LOAD_STARTED=$SECONDS
# Disruptions at about these seconds into the load (of a 60 s load; spread
# over a longer one): kills of servers 0, 1; the PostgreSQL restart; kills
# of servers 2, 0, 1. Each a little earlier or later by the seed.
plan=("kill 0" "kill 1" "postgres" "kill 2" "kill 0" "kill 1")
at=(6 14 24 36 44 51)
for i in "${!plan[@]}"; do
  target=$((at[i] * LOAD_SECONDS / 60 + RANDOM % 3))
  while [ $((SECONDS - LOAD_STARTED)) -lt "$target" ]; do sleep 0.2; done
  kill -0 "$LOAD_PID" 2>/dev/null || { violation "the load ended early: $(tail -3 "$WORK/load.out")"; break; }
  case "${plan[i]}" in
    kill*) kill_and_restart "${plan[i]#kill }" ;;
    postgres) restart_postgres ;;
  esac
done
wait "$LOAD_PID" || load_rc=$?
LOAD_PID=""
check_alive "after the load"
cat "$WORK/load.out"
[ "$load_rc" -eq 0 ] || violation "the load exited $load_rc (above)"

# --- the checks ------------------------------------------------------------------
check_args=()
for k in "${KILLS_MS[@]}"; do check_args+=(--kill "$k"); done
for o in "${OUTAGES[@]}"; do check_args+=(--outage "$o"); done
run_check --label final --db "$STORE_URI" --url "$LB_URL" --received "$RECEIVED" --final --outage-grace 5 \
  "${check_args[@]}"
show_check
if timeout 120 "$BIN" audit verify --store "$STORE_URI" >"$WORK/verify.out" 2>&1; then
  verify_summary="$(head -1 "$WORK/verify.out")"
else
  violation "aftersales audit verify --store: $(tail -2 "$WORK/verify.out")"
  verify_summary="FAILED"
fi
# The B-tree indexes after PostgreSQL's crash restart (amcheck, a contrib
# module of the server package).
pg_port="$(cat "$PG_DIR/port")"
if timeout 120 "$PG_BINDIR/pg_amcheck" --install-missing -h 127.0.0.1 -p "$pg_port" -U postgres -d aftersales \
  >"$WORK/amcheck.out" 2>&1; then
  amcheck_summary="pg_amcheck: every table and B-tree index intact"
else
  violation "pg_amcheck: $(tail -3 "$WORK/amcheck.out")"
  amcheck_summary="pg_amcheck FAILED"
fi

# How nginx spread the load: requests per server (its access log), and
# those it passed to another server after one refused the connection.
spread=""
for n in 0 1 2; do
  count="$(grep -c " 127\.0\.0\.1:${PORTS[n]}\( \|,\|$\)" "$WORK/nginx/access.log" || true)"
  spread+="server $n ${count}, "
  [ "$count" -gt 0 ] || violation "nginx sent no request to server $n"
done
failovers="$(grep -c '127\.0\.0\.1:[0-9]*, ' "$WORK/nginx/access.log" || true)"
post_502="$(awk '$2 == 502 && ($(NF-1) == "POST" || $(NF-1) == "PATCH")' "$WORK/nginx/access.log" | wc -l)"
spread+="$failovers moved to another server by nginx after a refused connection, $post_502 POST/PATCH answered 502 (not sent again), "


# Each server stops cleanly on SIGTERM.
for n in 0 1 2; do
  if [ -n "${SERVER_PIDS[n]}" ]; then
    kill -TERM "${SERVER_PIDS[n]}"
    for ((i = 0; i < 300; i++)); do kill -0 "${SERVER_PIDS[n]}" 2>/dev/null || break; sleep 0.1; done
    rc=0
    if kill -0 "${SERVER_PIDS[n]}" 2>/dev/null; then
      violation "server $n did not stop within 30 s of SIGTERM"
      kill -KILL "${SERVER_PIDS[n]}"
    fi
    wait "${SERVER_PIDS[n]}" || rc=$?
    SERVER_PIDS[n]=""
    [ "$rc" -eq 0 ] || violation "server $n exited $rc after SIGTERM"
  fi
done

echo "scale-out test summary: seed $SEED, $((SECONDS - STARTED_AT)) s in all; $CLIENTS clients for $LOAD_SECONDS s" \
  "through nginx to 3 servers ($spread${#KILLS_MS[@]} kills with SIGKILL, each restarted); $OUTAGE_REPORT;" \
  "$(grep '^load' "$WORK/load.out" | cut -d: -f2-); $(grep '^behind the proxy' "$WORK/load.out" | cut -d: -f2-);" \
  "$(grep '^races' "$WORK/load.out")"
echo "  final check: $(head -1 "$WORK/check.out" | cut -d: -f2-); requests acknowledged" \
  "$(check_figure 'requests acknowledged'), refused $(check_figure 'requests refused'), replayed" \
  "$(check_figure 'requests replayed (Idempotent-Replayed)'); cases $(check_figure cases), deadline firings" \
  "$(check_figure 'deadline firings and breaches'); events delivered $(check_figure 'events delivered') of" \
  "$(check_figure 'events committed'); $(check_figure 'answered 503 in outages, by code' | sed 's/^/503s in the outage: /');" \
  "answered 5xx by the proxy $(check_figure 'answered 5xx by the proxy'); keys refused as in progress after a 503" \
  "of the same request $(check_figure 'keys refused as in progress after a 503 of the same request');" \
  "audit verify --store: $verify_summary;" \
  "$amcheck_summary; $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
