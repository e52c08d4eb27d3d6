#!/usr/bin/env bash
# Migrate test (README.md): `aftersales migrate` of a crash-test database and
# of the demo database into PostgreSQL, then the same figures served by
# both. For each database, one server on the SQLite file (`serve --db`) and
# one on its copy (`serve --store`), both on the test clock stored in the
# database, must answer the same reads with the same bytes: the reports,
# the dashboard's figures, the case lists page by page, case documents
# with their timelines and evidence bundles, orders, the audit log; and
# `aftersales audit verify` must say the same of both. The crash-test copy
# is then held to every invariant of the crash test, through the server on
# PostgreSQL. Exits non-zero on any difference or violation.
#
# PostgreSQL: AFTERSALES_TEST_POSTGRES names the file holding the URI of a
# server to make databases on (the CTest fixture `postgres` sets it,
# tests/CMakeLists.txt); unset, the test makes its own throwaway cluster in
# its work folder (scripts/pg-test-cluster.sh, found through
# AFTERSALES_SOURCE_DIR, default two folders up) and stops it at the end.
# The test's databases are dropped at the end (after a failure, or with
# AFTERSALES_RELIABILITY_KEEP=1, dumped into the work folder first).
#
# Options (or environment): --rounds N (AFTERSALES_MIGRATE_ROUNDS, 2: load
# rounds, each ended by SIGKILL), --clients N (AFTERSALES_MIGRATE_CLIENTS,
# 6), --seed N (AFTERSALES_RELIABILITY_SEED; random by default, printed for
# a rerun).
set -euo pipefail
ROUNDS="${AFTERSALES_MIGRATE_ROUNDS:-2}"
CLIENTS="${AFTERSALES_MIGRATE_CLIENTS:-6}"
SEED="${AFTERSALES_RELIABILITY_SEED:-$((RANDOM * 32768 + RANDOM))}"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--clients N] [--seed N]" >&2; exit 2 ;;
  esac
done
[ "$ROUNDS" -ge 1 ] || { echo "--rounds must be at least 1 (a kill is the point)" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
SOURCE_DIR="${AFTERSALES_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}"
for program in psql:postgresql-client-15 curl:curl jq:jq; do
  command -v "${program%%:*}" >/dev/null 2>&1 ||
    { echo "no ${program%%:*}: install the Debian package ${program#*:} (scripts/install-deps.sh does)" >&2; exit 2; }
done
# shellcheck source=reliability_lib.sh
source "$HERE/reliability_lib.sh"
RANDOM=$SEED  # the kill moments follow the seed too

# --- PostgreSQL: the fixture's server, or a cluster of our own -----------------
PG_DIR=""
if [ -n "${AFTERSALES_TEST_POSTGRES:-}" ]; then
  [ -s "$AFTERSALES_TEST_POSTGRES" ] ||
    { echo "AFTERSALES_TEST_POSTGRES names $AFTERSALES_TEST_POSTGRES, which holds no URI" >&2; exit 2; }
  ADMIN_URI="$(head -1 "$AFTERSALES_TEST_POSTGRES")"
else
  # As root PostgreSQL runs as the postgres user: it must reach its folder
  # inside the work folder. Listing the folder stays closed, and every file
  # made from here on is its owner's alone.
  umask 077
  chmod 711 "$WORK"
  PG_DIR="$WORK/pg"
  ADMIN_URI="$("$SOURCE_DIR/scripts/pg-test-cluster.sh" start "$PG_DIR" 2>"$WORK/pg-cluster.err")" ||
    { cat "$WORK/pg-cluster.err" >&2; exit 2; }
fi
DATABASES=()
PG_PID=""
PG_URL=""
migrate_cleanup() {
  local rc=$? name
  set +e
  if [ -n "$PG_PID" ]; then kill -KILL "$PG_PID" 2>/dev/null; wait "$PG_PID" 2>/dev/null; fi
  for name in "${DATABASES[@]}"; do
    if [ "$rc" -ne 0 ] || [ "${AFTERSALES_RELIABILITY_KEEP:-0}" = 1 ]; then
      timeout 120 pg_dump -Fc -f "$WORK/$name.pgdump" "$(database_uri "$name")" 2>/dev/null &&
        echo "the database $name, dumped: $WORK/$name.pgdump (pg_restore)"
    fi
    psql -q "$ADMIN_URI" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 ||
      echo "could not drop the database $name" >&2
  done
  if [ -n "$PG_DIR" ]; then
    cp "$PG_DIR/server.log" "$WORK/postgres.log" 2>/dev/null
    "$SOURCE_DIR/scripts/pg-test-cluster.sh" stop "$PG_DIR" >/dev/null 2>&1 ||
      echo "could not stop the PostgreSQL cluster in $PG_DIR" >&2
  fi
  (exit "$rc")
  cleanup  # reliability_lib.sh: the servers, the receiver, the work folder
}
trap migrate_cleanup EXIT
trap 'exit 130' INT TERM

# The URI of database $1 on the server of ADMIN_URI (its name replaced, any
# ?parameters kept).
database_uri() {
  local base="${ADMIN_URI%%\?*}"
  echo "${base%/*}/$1${ADMIN_URI:${#base}}"
}

# Creates a fresh database for $1 (a word), its name in NEW_DATABASE (not
# printed: DATABASES must not be filled in a subshell); dropped at the end.
new_database() {
  NEW_DATABASE="migrate_$$_${RANDOM}_$1"
  DATABASES+=("$NEW_DATABASE")
  psql -q -v ON_ERROR_STOP=1 "$ADMIN_URI" -c "CREATE DATABASE $NEW_DATABASE" >/dev/null
}

since() { echo $((SECONDS - STARTED_AT)); }

# --- the two servers ----------------------------------------------------------------
# The server on the SQLite file is reliability_lib.sh's (start_server on
# $DB: SERVER_PID, URL); this one is on PostgreSQL database URI $1, with the
# same options (--test-clock, the same bootstrap token: the database already
# has its admin, so the token creates nothing), setting PG_PID and PG_URL.
start_pg_server() {
  local rc=0
  serve_store pg-server --store "$1" || rc=$?
  PG_PID="$STARTED_PID"
  PG_URL="$STARTED_URL"
  return "$rc"
}

stop_pg_server() {
  stop_served "$PG_PID" "the server on PostgreSQL"
  PG_PID=""
}

# The test clock each server runs on (its start line): the figures may
# depend on "now", which must be the same on both.
served_clock() {
  grep -oE 'test clock at [0-9TZ:-]+' "$1" | head -1 | cut -d' ' -f4
}

# --- comparing what both serve ---------------------------------------------------
COMPARED=0
COMPARED_BYTES=0
DIFFERENT=0
A="$WORK/answer-sqlite"
B="$WORK/answer-postgres"

# same PATH TOKEN [JQ]: GET PATH from both servers as the bearer of TOKEN.
# Both must answer 200 with the same bytes; with JQ, the same JSON once JQ
# has removed what may legitimately differ (each caller says why). The
# SQLite server's body stays in $A for the caller.
same() {
  local path="$1" token="$2" filter="${3:-}" status_a status_b
  status_a="$(curl -s -m 60 -o "$A" -w '%{http_code}' -H "Authorization: Bearer $token" "$URL$path")" || status_a=000
  status_b="$(curl -s -m 60 -o "$B" -w '%{http_code}' -H "Authorization: Bearer $token" "$PG_URL$path")" ||
    status_b=000
  COMPARED=$((COMPARED + 1))
  if [ "$status_a" != 200 ] || [ "$status_b" != 200 ]; then
    DIFFERENT=$((DIFFERENT + 1))
    violation "GET $path: answered $status_a on SQLite, $status_b on PostgreSQL (200 expected): $(head -c 300 "$A")"
    return 0
  fi
  if [ -n "$filter" ]; then
    jq -S "$filter" "$A" >"$A.kept"
    jq -S "$filter" "$B" >"$B.kept"
    if cmp -s "$A.kept" "$B.kept"; then
      COMPARED_BYTES=$((COMPARED_BYTES + $(stat -c %s "$A")))
      return 0
    fi
  elif cmp -s "$A" "$B"; then
    COMPARED_BYTES=$((COMPARED_BYTES + $(stat -c %s "$A")))
    return 0
  fi
  DIFFERENT=$((DIFFERENT + 1))
  violation "GET $path: SQLite and PostgreSQL answer differently:"
  if jq -e . "$A" >/dev/null 2>&1; then
    diff <(jq -S "${filter:-.}" "$A") <(jq -S "${filter:-.}" "$B") | head -20 || true
  else
    diff "$A" "$B" | head -20 || true
  fi
}

# pages PATH TOKEN [PARAM]: every page of a list (PATH has a query),
# following the SQLite server's next_cursor in parameter PARAM (default
# `cursor`), each page the same from both. Adds how many to PAGES (not
# echoed: the counters must not be left in a subshell).
PAGES=0
pages() {
  local path="$1" token="$2" param="${3:-cursor}" next="" n=0
  while :; do
    same "$path${next:+&$param=$next}" "$token"
    n=$((n + 1))
    next="$(jq -r '.next_cursor // empty | @uri' "$A" 2>/dev/null || true)"
    if [ -z "$next" ] || [ "$n" -ge 200 ]; then break; fi
  done
  PAGES=$((PAGES + n))
}

# The store's gauges of GET /metrics as manager $1, from both: open cases
# by state (the dashboard's chart), deadlines breached and due within the
# hour, the outbox backlog, dead deliveries, the audit head. Left out: the
# HTTP counters and latencies (aftersales_http_*), which count each
# process's own requests.
same_metrics() {
  local which
  COMPARED=$((COMPARED + 1))
  for which in "$URL" "$PG_URL"; do
    { curl -s -m 60 -H "Authorization: Bearer $1" "$which/metrics" || true; } | grep -E '^aftersales_' |
      { grep -v '^aftersales_http_' || true; } >"$WORK/metrics-$([ "$which" = "$URL" ] && echo sqlite || echo postgres)"
  done
  grep -q '^aftersales_cases{state=' "$WORK/metrics-sqlite" || violation "GET /metrics: no aftersales_cases gauge"
  if cmp -s "$WORK/metrics-sqlite" "$WORK/metrics-postgres"; then
    COMPARED_BYTES=$((COMPARED_BYTES + $(wc -c <"$WORK/metrics-sqlite")))
  else
    DIFFERENT=$((DIFFERENT + 1))
    violation "GET /metrics: the store's gauges differ:" \
      "$(diff "$WORK/metrics-sqlite" "$WORK/metrics-postgres" | head -10)"
  fi
}

# wait_outbox_drained MANAGER_TOKEN NAME: waits up to 60 s until both
# servers have delivered every webhook event (aftersales_outbox_backlog 0):
# each delivers from its own copy, on the wall clock, so only once both are
# done do their gauges agree.
wait_outbox_drained() {
  local which backlog done_both until=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$until" ]; do
    done_both=1
    for which in "$URL" "$PG_URL"; do
      backlog="$({ curl -s -m 10 -H "Authorization: Bearer $1" "$which/metrics" || true; } |
        sed -n 's/^aftersales_outbox_backlog //p')"
      [ "$backlog" = 0 ] || done_both=0
    done
    if [ "$done_both" = 1 ]; then
      echo "$2: both servers have delivered every webhook event ($(since) s)"
      return 0
    fi
    sleep 0.2
  done
  violation "$2: the webhook outbox did not drain on both servers within 60 s"
}

# compare_served NAME MANAGER_TOKEN ADMIN_TOKEN BUYER_TOKEN: the reads, with
# the figures each part of the UI shows; NAME labels the progress lines.
compare_served() {
  local name="$1" manager="$2" admin="$3" buyer="$4"
  local report state type id order_id now month from compared_before="$COMPARED"
  now="$(served_clock "$WORK/server.out")"
  month="${now:0:7}"

  # Reports (managers' reports page and scorecard): all time, the clock's
  # month, an explicit window ending at the clock, and as CSV.
  from="$(date -u -d "@$(($(date -u -d "$now" +%s) - 10 * 86400))" +%Y-%m-%dT%H:%M:%SZ)"
  for report in agents sla reasons warehouse finance scorecard compensation; do
    same "/api/v1/reports/$report" "$manager"
    same "/api/v1/reports/$report?period=$month" "$manager"
    same "/api/v1/reports/$report?from=$from&to=$now" "$manager"
    same "/api/v1/reports/$report?format=csv" "$manager"
  done
  echo "$name: reports identical (7 reports, 4 ranges or formats each; $(since) s)"

  # The dashboard: the arbitration queue, the breaches and refunds of the
  # audit log it charts (its gauges of /metrics come last); the extension
  # page's preview.
  pages "/api/v1/cases?state=escalated&sort=due_at&limit=50" "$manager"
  pages "/api/v1/audit?action=deadline_breached&from=$from&limit=1000" "$manager" after_seq
  pages "/api/v1/audit?action=refund_issued&from=$from&limit=1000" "$manager" after_seq
  local soon
  soon="$(date -u -d "@$(($(date -u -d "$now" +%s) + 2 * 86400))" +%Y-%m-%dT%H:%M:%SZ)"
  same "/api/v1/deadlines/extend?kind=merchant_response&due_before=$soon&hours=24" "$manager"
  echo "$name: dashboard lists identical ($(since) s)"

  # Case lists: every page of the whole list in both orders, of each state
  # there is, of each type, and of the usual filters.
  local all_pages state_pages states types
  PAGES=0
  pages "/api/v1/cases?sort=due_at&limit=50" "$manager"
  pages "/api/v1/cases?sort=created_at&limit=50" "$manager"
  all_pages=$PAGES
  # Every case of the SQLite server's list, in order: the states, types and
  # samples below come from it.
  : >"$WORK/cases.jsonl"
  local next=""
  while :; do
    curl -s -m 60 -H "Authorization: Bearer $manager" \
      "$URL/api/v1/cases?sort=created_at&limit=200${next:+&cursor=$next}" >"$WORK/page.json"
    jq -c '.items[] | {id, state, type, order_id, buyer_id}' "$WORK/page.json" >>"$WORK/cases.jsonl"
    next="$(jq -r '.next_cursor // empty | @uri' "$WORK/page.json")"
    [ -n "$next" ] || break
  done
  states="$(jq -r .state "$WORK/cases.jsonl" | sort -u)"
  types="$(jq -r .type "$WORK/cases.jsonl" | sort -u)"
  PAGES=0
  for state in $states; do pages "/api/v1/cases?state=$state&sort=due_at&limit=50" "$manager"; done
  for type in $types; do pages "/api/v1/cases?type=$type&sort=created_at&limit=50" "$manager"; done
  local filter
  for filter in "breached=true" "assignee=none" "state=requested,pending_approval&sort=due_at" \
    "due_before=$now"; do
    pages "/api/v1/cases?$filter&limit=50" "$manager"
  done
  state_pages=$PAGES
  echo "$name: case lists identical ($(wc -l <"$WORK/cases.jsonl") cases; $all_pages pages of the whole list," \
    "$state_pages of $(wc -w <<<"$states") states, $(wc -w <<<"$types") types and 4 filters; $(since) s)"

  # Case documents: the first case of each state and every 50th case, each
  # with its timeline, its evidence bundle and its order.
  local samples count=0
  samples="$( (jq -r '[.state, .id] | @tsv' "$WORK/cases.jsonl" | sort -s -u -k1,1 | cut -f2
    jq -r .id "$WORK/cases.jsonl" | awk 'NR % 50 == 1') | sort -u)"
  for id in $samples; do
    same "/api/v1/cases/$id" "$manager"
    order_id="$(jq -r '.order_id | @uri' "$A")"
    same "/api/v1/cases/$id/timeline" "$manager"
    # generated_at: when the bundle was made, on the wall clock (as SPEC
    # wants for evidence), so a second apart between the two requests.
    same "/api/v1/cases/$id/bundle" "$manager" 'del(.generated_at)'
    same "/api/v1/orders/$order_id" "$manager"
    count=$((count + 1))
  done
  # What a buyer sees: its own cases, and one of them with its timeline
  # (no internal entries).
  pages "/api/v1/cases?sort=created_at&limit=50" "$buyer"
  id="$(jq -r '.items[0].id // empty' "$A")"
  if [ -n "$id" ]; then
    same "/api/v1/cases/$id" "$buyer"
    same "/api/v1/cases/$id/timeline" "$buyer"
  fi
  echo "$name: $count case documents identical, each with its timeline, evidence bundle and order;" \
    "and a buyer's view ($(since) s)"

  # Orders: the list in both orders, and the warehouse's queue of late ones.
  pages "/api/v1/orders?sort=placed_at&limit=100" "$manager"
  pages "/api/v1/orders?sort=ship_by&limit=100" "$manager"
  pages "/api/v1/orders?shipment=unshipped&breached=true&limit=100" "$manager"
  echo "$name: order lists identical ($(since) s)"

  # The audit log: its head (the newest entries, as the audit page opens),
  # every page oldest first, the chain's verification; users, staff,
  # policy, webhooks.
  same "/api/v1/audit?order=desc&limit=50" "$manager"
  local audit_pages verified
  PAGES=0
  pages "/api/v1/audit?limit=1000" "$manager" after_seq
  audit_pages=$PAGES
  same "/api/v1/audit/verify" "$manager"
  verified="$(jq -c . "$A")"
  same "/api/v1/users" "$admin"
  same "/api/v1/staff" "$manager"
  same "/api/v1/policy" "$manager"
  same "/api/v1/webhooks" "$admin"
  echo "$name: audit log identical ($audit_pages pages; verify: $verified); users, staff, policy, webhooks" \
    "identical ($(since) s)"

  # Last, the dashboard's gauges, once both servers have delivered every
  # webhook event: a delivery claimed when a server was killed falls due
  # again only when its claim's lease ends (15 s), so the wait overlaps
  # the reads above.
  wait_outbox_drained "$manager" "$name"
  same_metrics "$manager"
  echo "$name: the store's gauges of /metrics identical: $(grep -c . "$WORK/metrics-sqlite") figures"
  echo "$name: $((COMPARED - compared_before)) reads compared, $DIFFERENT different so far"
}

# `aftersales audit verify` on the file and on the copy: both pass and say
# the same (entries, head).
same_audit_verify() {
  local rc_a=0 rc_b=0
  timeout 120 "$BIN" audit verify --db "$1" >"$WORK/verify-sqlite.out" 2>&1 || rc_a=$?
  timeout 120 "$BIN" audit verify --store "$2" >"$WORK/verify-postgres.out" 2>&1 || rc_b=$?
  [ "$rc_a" -eq 0 ] || violation "aftersales audit verify --db exited $rc_a: $(tail -2 "$WORK/verify-sqlite.out")"
  [ "$rc_b" -eq 0 ] || violation "aftersales audit verify --store exited $rc_b: $(tail -2 "$WORK/verify-postgres.out")"
  cmp -s "$WORK/verify-sqlite.out" "$WORK/verify-postgres.out" ||
    violation "aftersales audit verify says different things:" \
      "$(diff "$WORK/verify-sqlite.out" "$WORK/verify-postgres.out")"
  echo "$3: audit verify --db and --store: $(tr '\n' ' ' <"$WORK/verify-postgres.out")"
}

# migrate_into FILE NAME LABEL: `aftersales migrate` of FILE into the fresh
# database NAME; it must succeed, print its counts (the target's equal to
# the source's, table by table) and say the chain was verified. Sets
# MIGRATED (its total line).
migrate_into() {
  local rc=0
  timeout 300 "$BIN" migrate --from "$1" --to "$(database_uri "$2")" >"$WORK/migrate.out" 2>"$WORK/migrate.err" ||
    rc=$?
  if [ "$rc" -ne 0 ]; then
    violation "$3: aftersales migrate exited $rc: $(tail -3 "$WORK/migrate.err")"
    exit 1
  fi
  grep -q '^audit chain verified: ' "$WORK/migrate.out" ||
    violation "$3: aftersales migrate did not say the audit chain was verified"
  grep -qE '^cases +[0-9]+ +[0-9]+$' "$WORK/migrate.out" || violation "$3: aftersales migrate printed no counts"
  local unequal
  unequal="$(awk 'NF == 3 && $2 ~ /^[0-9]+$/ && $2 != $3' "$WORK/migrate.out")"
  [ -z "$unequal" ] || violation "$3: aftersales migrate wrote other counts than it read: $unequal"
  MIGRATED="$(awk '$1 == "total" {print $2 " rows read, " $3 " written"}' "$WORK/migrate.out")"
  echo "$3: migrated into $2: $MIGRATED; $(grep '^audit chain verified' "$WORK/migrate.out")"
}

# serve_both FILE NAME LABEL: a server on FILE and one on database NAME,
# both on the test clock, which must be at the same time.
serve_both() {
  DB="$1"
  start_server || { violation "$3: the server on the SQLite file does not start"; exit 1; }
  start_pg_server "$(database_uri "$2")" || { violation "$3: the server on PostgreSQL does not start"; exit 1; }
  local clock_a clock_b
  clock_a="$(served_clock "$WORK/server.out")"
  clock_b="$(served_clock "$WORK/pg-server.out")"
  if [ -z "$clock_a" ] || [ "$clock_a" != "$clock_b" ]; then
    violation "$3: the test clocks differ: SQLite at '$clock_a', PostgreSQL at '$clock_b'"
  fi
  echo "$3: serving the file at $URL and the copy at $PG_URL, both with the test clock at $clock_a ($(since) s)"
}

# === 1. A crash-test database ======================================================
echo "migrate test: a crash-test database ($ROUNDS rounds, $CLIENTS clients, seed $SEED) and the demo database"
start_receiver
start_server
timeout 60 "$DRIVER" setup --url "$URL" --admin-token "$ADMIN_TOKEN" --receiver-info "$WORK/receiver.json" \
  --fixture "$FIXTURE"
: >"$LOG"
for ((round = 1; round <= ROUNDS; round++)); do
  crash_round "m$round" 1500 2500 || exit 1
  echo "round $round: killed ${DELAY_MS} ms into the load;$(grep '^load' "$WORK/load.out" | cut -d: -f2-)"
done
# The file as the crash test would hold it, before it is copied: every
# invariant (this check moves the clock once more, through the server).
run_check --label "before the migration" --db "$DB" --url "$URL" --received "$RECEIVED"
grep -q "all invariants hold" "$WORK/check.out" || show_check
echo "crash-test database: check before the migration:$(head -1 "$WORK/check.out" | cut -d: -f2-) ($(since) s)"
stop_server
check_file "$DB" "after the stop"

CRASH_DB="$DB"
new_database crash
CRASH_NAME="$NEW_DATABASE"
migrate_into "$CRASH_DB" "$CRASH_NAME" "crash-test database"
CRASH_MIGRATED="$MIGRATED"
serve_both "$CRASH_DB" "$CRASH_NAME" "crash-test database"
ADMIN="$(jq -r .admin.token "$FIXTURE")"
MANAGER="$(jq -r .staff.manager.token "$FIXTURE")"
BUYER="$(jq -r '.buyers[0].token' "$FIXTURE")"
compare_served "crash-test database" "$MANAGER" "$ADMIN" "$BUYER"
same_audit_verify "$CRASH_DB" "$(database_uri "$CRASH_NAME")" "crash-test database"
CRASH_COMPARED=$COMPARED
stop_server
# Every invariant of the crash test, on the copy, through the server on
# PostgreSQL (after the comparison: it moves the clock there), with every
# committed event delivered and every order as served checked.
run_check --label "on PostgreSQL" --db "$(database_uri "$CRASH_NAME")" --url "$PG_URL" --received "$RECEIVED" --final
grep -q "all invariants hold" "$WORK/check.out" || show_check
CRASH_CHECK="$(head -1 "$WORK/check.out" | cut -d: -f2- | sed 's/^ *//')"
echo "crash-test database: check of the copy through the server on PostgreSQL: $CRASH_CHECK ($(since) s)"
stop_pg_server

# === 2. The demo database ==========================================================
DEMO_DB="$WORK/demo.db"
timeout 120 "$BIN" demo --db "$DEMO_DB" >"$WORK/demo.out" 2>"$WORK/demo.err" ||
  { violation "aftersales demo failed: $(tail -3 "$WORK/demo.err")"; exit 1; }
login_token() { awk -v n="$1" '$1 == n && $4 ~ /^as_/ { print $4 }' "$WORK/demo.out"; }
DEMO_ADMIN="$(login_token admin)"
DEMO_MANAGER="$(login_token manager)"
DEMO_BUYER="$(login_token buyer1)"
if [ -z "$DEMO_ADMIN" ] || [ -z "$DEMO_MANAGER" ] || [ -z "$DEMO_BUYER" ]; then
  violation "no admin, manager or buyer1 token in demo's output"
  exit 1
fi
# The test clock starts at wall time on a database's first start and is
# stored there: one start on the file before the copy stores it, so that
# both servers run at that same time afterwards (and whatever the demo
# left due is fired once, before the copy).
DB="$DEMO_DB"
start_server || { violation "demo database: the server does not start"; exit 1; }
stop_server
new_database demo
DEMO_NAME="$NEW_DATABASE"
migrate_into "$DEMO_DB" "$DEMO_NAME" "demo database"
DEMO_MIGRATED="$MIGRATED"
serve_both "$DEMO_DB" "$DEMO_NAME" "demo database"
compare_served "demo database" "$DEMO_MANAGER" "$DEMO_ADMIN" "$DEMO_BUYER"
same_audit_verify "$DEMO_DB" "$(database_uri "$DEMO_NAME")" "demo database"
DEMO_COMPARED=$((COMPARED - CRASH_COMPARED))
stop_server
stop_pg_server

echo "migrate test summary: seed $SEED, $((SECONDS - STARTED_AT)) s;" \
  "crash-test database ($ROUNDS rounds, $KILLS kills with SIGKILL): $CRASH_MIGRATED, $CRASH_COMPARED reads compared," \
  "copy checked: $CRASH_CHECK;" \
  "demo database: $DEMO_MIGRATED, $DEMO_COMPARED reads compared; $COMPARED_BYTES bytes identical in all," \
  "$DIFFERENT reads different; $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
