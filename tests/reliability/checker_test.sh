#!/usr/bin/env bash
# The checks catch what they claim (README.md): a short load on a fresh
# server, a clean stop, the checks pass; then copies of the database, the
# client log and the receiver's file are tampered with the way a lost,
# doubled or wrong change would look, and each tampered copy must fail the
# invariant that guards against it. Exits non-zero when a check misses one.
set -euo pipefail
# shellcheck source=reliability_lib.sh
source "$(dirname "$0")/reliability_lib.sh"

start_receiver
start_server
timeout 60 "$DRIVER" setup --url "$URL" --admin-token "$ADMIN_TOKEN" --receiver-info "$WORK/receiver.json" \
  --fixture "$FIXTURE"
: >"$LOG"
timeout 120 "$DRIVER" load --url "$URL" --fixture "$FIXTURE" --log "$LOG" --run-id t --clients 6 --seconds 6 \
  --seed 20261127 --clock-every 0.2 --invalid
stop_server
run_check --label untouched --db "$DB"
grep -q "all invariants hold" "$WORK/check.out" || show_check

caught=0
# found_violation NAME INVARIANT RC: the last check (exit code RC) must have
# reported INVARIANT violated.
found_violation() {
  if [ "$3" -eq 1 ] && grep -qF "FAIL  $2:" "$WORK/check.out"; then
    caught=$((caught + 1))
    echo "caught: $1 ($2)"
  else
    show_check
    violation "not caught: $1 (expected '$2' violated; check exited $3)"
  fi
}

# expect_caught NAME INVARIANT SQL [LOG]: the check of a copy of the
# database with SQL applied (none when empty), and of LOG instead of the
# client log, must report INVARIANT violated.
expect_caught() {
  local copy="$WORK/tampered.db" rc=0
  rm -f "$copy"
  "$SQLITE3" "$DB" ".backup '$copy'"
  [ -z "$3" ] || "$SQLITE3" "$copy" "$3"
  timeout 300 "$DRIVER" check --fixture "$FIXTURE" --log "${4:-$LOG}" --db "$copy" >"$WORK/check.out" 2>&1 || rc=$?
  found_violation "$1" "$2" "$rc"
}

# expect_caught_live NAME INVARIANT RECEIVED [OPTION...]: the check of the
# running server with RECEIVED as the receiver's file must report INVARIANT
# violated.
expect_caught_live() {
  local rc=0
  timeout 300 "$DRIVER" check --fixture "$FIXTURE" --log "$LOG" --db "$DB" --url "$URL" --received "$3" "${@:4}" \
    >"$WORK/check.out" 2>&1 || rc=$?
  found_violation "$1" "$2" "$rc"
}

expect_caught "an acknowledged action lost" "acknowledged action is stored as answered" \
  "DELETE FROM texts WHERE id = (SELECT id FROM texts WHERE kind = 'note' ORDER BY id LIMIT 1)"
expect_caught "an acknowledged submit lost" "acknowledged submit is stored as answered" \
  "DELETE FROM cases WHERE id = (SELECT id FROM cases WHERE type <> 'compensation' ORDER BY id LIMIT 1)"
expect_caught "an acknowledged order lost" "acknowledged order is stored" \
  "DELETE FROM order_lines WHERE order_id = (SELECT id FROM orders ORDER BY id LIMIT 1)"
expect_caught "a case rolled back" "case history is one unbroken chain" \
  "UPDATE cases SET version = version - 1 WHERE id = (SELECT id FROM cases WHERE version > 2 ORDER BY id LIMIT 1)"
expect_caught "a request applied twice" "request applied at most once" \
  "INSERT INTO texts SELECT id || 'x', case_id, kind, visibility, author_id, body, sha256, created_at
     FROM texts WHERE kind = 'note' ORDER BY id LIMIT 1"
expect_caught "a refund beyond the case" "ledger: refunds <= case amount (+shipping), per case" \
  "UPDATE cases SET doc = json_set(doc, '\$.refunds', json('[{\"id\":\"x\",\"amount\":999999999,\"status\":\"issued\"}]'))
     WHERE id = (SELECT id FROM cases ORDER BY id LIMIT 1)"
expect_caught "more units returned than bought" "ledger: returned units <= bought, per line" \
  "UPDATE cases SET doc = json_set(doc, '\$.lines[0].qty', 1000)
     WHERE id = (SELECT id FROM cases WHERE state NOT IN ('cancelled', 'closed')
                   AND json_array_length(doc, '\$.lines') > 0 ORDER BY id LIMIT 1)"
expect_caught "a refund on released units" "ledger: released units hold no refund" \
  "UPDATE cases SET state = 'cancelled', doc = json_set(json_set(doc, '\$.inspection', json('null')), '\$.refunds',
       json('[{\"id\":\"x\",\"amount\":1,\"status\":\"pending\"}]'))
     WHERE id = (SELECT id FROM cases ORDER BY id LIMIT 1)"
expect_caught "a deadline fired twice" "deadline fired at most once" \
  "INSERT INTO audit SELECT (SELECT MAX(seq) + 1 FROM audit), at, actor_id, actor_role, case_id, action, from_state,
     to_state, data, prev_hash, hash FROM audit WHERE action = 'timeout' ORDER BY seq LIMIT 1"
expect_caught "a breach without its entry" "deadline firing matches its deadline row" \
  "DELETE FROM audit WHERE seq = (SELECT seq FROM audit WHERE action = 'deadline_breached' ORDER BY seq LIMIT 1)"
expect_caught "a clock move lost" "acknowledged clock move is stored, its firings recorded" \
  "UPDATE settings SET value = CAST(value AS INTEGER) - 1000000 WHERE key = 'test_clock.now'"
expect_caught "an event of a change that never was" "outbox event matches a committed change" \
  "UPDATE outbox SET payload = json_set(payload, '\$.data.version', 999)
     WHERE id = (SELECT id FROM outbox WHERE type = 'case.state_changed' ORDER BY id LIMIT 1)"

# The client log: answers that should not have been given.
tampered_log="$WORK/tampered.log"
cp "$LOG" "$tampered_log"
grep -m1 '"invalid":"stale_version"' "$LOG" | sed -E 's/"status":[0-9]+/"status":200/' >>"$tampered_log"
expect_caught "a stale version accepted" "invalid request refused as SPEC 4.2 says" "" "$tampered_log"
cp "$LOG" "$tampered_log"
grep -m1 '"kind":"action"' "$LOG" | sed -E 's/"status":[0-9]+/"status":500/' >>"$tampered_log"
expect_caught "a 5xx answer" "no 5xx answer" "" "$tampered_log"
cp "$LOG" "$tampered_log"
grep -m1 -E '"kind":"action".*"status":200' "$LOG" | sed -E 's/"status":200/"status":409/' >>"$tampered_log"
expect_caught "a refused request that changed the case" "refused request left no trace" "" "$tampered_log"

# The receiver's file, checked against a server running on the file again.
start_server
tampered_received="$WORK/tampered-received.log"
cp "$RECEIVED" "$tampered_received"
echo "evt_never_committed case.created ok" >>"$tampered_received"
expect_caught_live "a delivery of an event never committed" "delivered event was committed" "$tampered_received"
cp "$RECEIVED" "$tampered_received"
sed -i '$ s/ ok$/ bad-signature/' "$tampered_received"
expect_caught_live "a delivery with a bad signature" "webhook signature verifies" "$tampered_received"
grep -v "^$(head -1 "$RECEIVED" | cut -d' ' -f1) " "$RECEIVED" >"$tampered_received"
expect_caught_live "an event never delivered" "committed event reached the receiver" "$tampered_received" \
  --final --delivery-wait 1
# Last, as it changes the live file: a deadline left open past due.
"$SQLITE3" -cmd ".timeout 10000" "$DB" "INSERT INTO deadlines (case_id, kind, started_at, due_at, status)
  SELECT case_id, kind, started_at, 1, 'open' FROM deadlines WHERE status = 'open' ORDER BY id LIMIT 1"
expect_caught_live "a deadline left open past due" "no open deadline past due" "$RECEIVED"
stop_server

echo "checker test summary: $caught tamperings caught, $((SECONDS - STARTED_AT)) s, $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
