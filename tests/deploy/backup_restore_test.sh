#!/usr/bin/env bash
# The restore drill of deploy/README.md ("Backups"), as an operator runs it:
# deploy/systemd/aftersales-backup (the packaged backup script) takes a
# backup while clients create orders and cases; the backup is restored into
# a fresh database, `aftersales audit verify` passes on it with the entry
# count the backup reported, a server starts on it, and its cases are
# exactly those the clients had been told were created before the backup
# began, plus at most those acknowledged while it ran. Then the script's
# pruning: with AFTERSALES_BACKUP_KEEP=2 only the two newest backups stay.
# shellcheck source=deploy_lib.sh
source "$(dirname "$0")/deploy_lib.sh"
require_programs sqlite3:sqlite3 curl:curl jq:jq

BACKUP_SCRIPT="$SOURCE_DIR/deploy/systemd/aftersales-backup"
WORKERS=3
ADMIN_TOKEN="$(new_token)"
AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" start_server live --db "$WORK/live.db"
LIVE_URL="$SERVER_URL"
LIVE_PID="$SERVER_PID"
created="$(json_request POST "$LIVE_URL/api/v1/users" "$ADMIN_TOKEN" '{"name": "shop", "role": "integration"}')"
[ "${created%% *}" = 201 ] || fail "creating the integration user answered: $created"
SHOP_TOKEN="$(jq -r .token <<<"${created#* }")"

# One client: orders with a return case each, until $WORK/stop exists (at
# most 2,000). Writes "acked CASE_ID" once the case's 201 arrived, and
# "refused STATUS WHAT" for anything else.
client() {
  local n="$1" i status body placed delivered
  placed="$(date -u -d '5 days ago' +%Y-%m-%dT%H:%M:%SZ)"
  delivered="$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)"
  for ((i = 1; i <= 2000; i++)); do
    [ -e "$WORK/stop" ] && break
    body="{\"id\": \"SO-$n-$i\", \"buyer_id\": \"b-$n-$i\", \"currency\": \"CNY\", \"placed_at\": \"$placed\",
      \"delivered_at\": \"$delivered\", \"shipping_paid\": 800,
      \"lines\": [{\"line_id\": \"1\", \"sku\": \"CUP-$n\", \"title\": \"Cup\", \"qty\": 2, \"paid\": 25800}]}"
    status="$(curl -s -o "$WORK/client-$n.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $SHOP_TOKEN" \
      -H 'Content-Type: application/json' --data-binary "$body" "$LIVE_URL/api/v1/orders")" || status=000
    if [ "$status" != 201 ]; then echo "refused $status order SO-$n-$i" >>"$WORK/load-$n.log"; continue; fi
    body="{\"order_id\": \"SO-$n-$i\", \"buyer_id\": \"b-$n-$i\", \"type\": \"return_refund\",
      \"reason\": \"quality_issue\", \"lines\": [{\"line_id\": \"1\", \"qty\": 1}]}"
    status="$(curl -s -o "$WORK/client-$n.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $SHOP_TOKEN" \
      -H 'Content-Type: application/json' --data-binary "$body" "$LIVE_URL/api/v1/cases")" || status=000
    if [ "$status" != 201 ]; then echo "refused $status case SO-$n-$i" >>"$WORK/load-$n.log"; continue; fi
    echo "acked $(jq -r .id "$WORK/client-$n.json")" >>"$WORK/load-$n.log"
  done
}
acked() { cat "$WORK"/load-*.log 2>/dev/null | sed -n 's/^acked //p' | sort -u; }
acked_at_least() { [ "$(acked | wc -l)" -ge "$1" ]; }

CLIENT_PIDS=()
for ((n = 1; n <= WORKERS; n++)); do
  : >"$WORK/load-$n.log"
  client "$n" &
  CLIENT_PIDS+=($!)
done
at_exit "touch $WORK/stop; kill ${CLIENT_PIDS[*]} 2>/dev/null; wait ${CLIENT_PIDS[*]} 2>/dev/null"

echo "--- the backup, under load"
wait_until 600 acked_at_least 30 || fail "the clients made fewer than 30 cases in 60 s"
# A checkpoint signed before the backup, which the restored log must extend.
"$BIN" audit keygen --out "$WORK/audit.key" >/dev/null || fail "audit keygen failed"
mkdir -p "$WORK/checkpoints"
"$BIN" audit checkpoint --db "$WORK/live.db" --key "$WORK/audit.key" --out "$WORK/checkpoints" \
  >"$WORK/checkpoint.out" 2>&1 || fail "audit checkpoint failed: $(cat "$WORK/checkpoint.out")"
acked >"$WORK/acked-before.txt"
mkdir -p "$WORK/backups"
AFTERSALES_BIN="$BIN" AFTERSALES_DB="$WORK/live.db" AFTERSALES_BACKUP_DIR="$WORK/backups" \
  AFTERSALES_BACKUP_KEEP=14 sh "$BACKUP_SCRIPT" >"$WORK/backup.out" 2>&1 ||
  fail "the backup script failed: $(cat "$WORK/backup.out")"
acked >"$WORK/acked-after.txt"
# The clients go on for a while after the backup, then stop.
target=$(($(wc -l <"$WORK/acked-after.txt") + 10))
wait_until 300 acked_at_least "$target" || fail "the clients stalled after the backup"
touch "$WORK/stop"
wait "${CLIENT_PIDS[@]}"
if grep -h '^refused' "$WORK"/load-*.log; then fail "requests were refused during the load (above)"; fi
BACKUP="$(find "$WORK/backups" -name 'aftersales-*.db' | head -1)"
[ -n "$BACKUP" ] || fail "the backup script wrote no aftersales-<time>.db: $(ls "$WORK/backups")"
backup_entries="$(sed -n 's/^audit log: \([0-9]*\) entr.*/\1/p' "$WORK/backup.out")"
[ -n "$backup_entries" ] || fail "the backup did not report its audit log: $(cat "$WORK/backup.out")"
echo "ok: $(basename "$BACKUP") with $backup_entries audit entries, taken while $WORKERS clients made" \
  "$(wc -l <"$WORK/acked-before.txt") to $(wc -l <"$WORK/acked-after.txt") cases"

echo "--- the restore, into a fresh database"
# As deploy/README.md says: check the backup, copy it in place (no -wal or
# -shm file may lie beside it), check again, start the server on it.
"$BIN" audit verify --db "$BACKUP" >"$WORK/verify-backup.out" 2>&1 ||
  fail "audit verify refuses the backup: $(cat "$WORK/verify-backup.out")"
mkdir -p "$WORK/restored"
RESTORED="$WORK/restored/aftersales.db"
install -m 0640 "$BACKUP" "$RESTORED"
[ ! -e "$RESTORED-wal" ] && [ ! -e "$RESTORED-shm" ] || fail "a -wal or -shm file lies beside the restored database"
"$BIN" audit verify --db "$RESTORED" --checkpoint "$WORK"/checkpoints/checkpoint-*.json \
  --public-key "$WORK/audit.key.pub" >"$WORK/verify.out" 2>&1 ||
  fail "audit verify refuses the restored database: $(cat "$WORK/verify.out")"
grep -q "^checkpoints: 1 of 1 ok" "$WORK/verify.out" || fail "the checkpoint was not checked: $(cat "$WORK/verify.out")"
grep -qE "(^|[^0-9])$backup_entries entries" "$WORK/verify.out" ||
  fail "audit verify of the restored database does not count the backup's $backup_entries entries: $(cat "$WORK/verify.out")"
start_server restored --db "$RESTORED"
RESTORED_URL="$SERVER_URL"
RESTORED_PID="$SERVER_PID"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$RESTORED_URL/healthz")" = 200 ] || fail "the restored server is not healthy"

sqlite3 -readonly "$RESTORED" 'SELECT id FROM cases ORDER BY id' >"$WORK/restored-cases.txt"
restored_count="$(wc -l <"$WORK/restored-cases.txt")"
lost="$(comm -23 "$WORK/acked-before.txt" "$WORK/restored-cases.txt")"
[ -z "$lost" ] || fail "cases acknowledged before the backup began are not in it: $(head -5 <<<"$lost" | tr '\n' ' ')"
unknown="$(comm -13 <(sort -u "$WORK/acked-after.txt" <(acked)) "$WORK/restored-cases.txt")"
# A case committed just before the backup's snapshot may not have had its
# answer read yet: at most one per client.
[ "$(grep -c . <<<"$unknown")" -le "$WORKERS" ] ||
  fail "the backup holds cases nobody was told were created: $(head -5 <<<"$unknown" | tr '\n' ' ')"
[ "$restored_count" -le $(($(wc -l <"$WORK/acked-after.txt") + WORKERS)) ] ||
  fail "the backup holds $restored_count cases, more than were acknowledged by its end"
# The restored server serves the same count, and the cases themselves.
served="$(curl -s -H "Authorization: Bearer $ADMIN_TOKEN" "$RESTORED_URL/metrics" |
  awk '/^aftersales_cases\{/ { n += $2 } END { print n + 0 }')"
[ "$served" = "$restored_count" ] || fail "the restored server counts $served cases, the file holds $restored_count"
while read -r case_id; do
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
    "$RESTORED_URL/api/v1/cases/$case_id")"
  [ "$status" = 200 ] || fail "the restored server answers $status for case $case_id"
done <"$WORK/acked-before.txt"
live_count="$(sqlite3 -readonly "$WORK/live.db" 'SELECT COUNT(*) FROM cases')"
[ "$live_count" -ge "$restored_count" ] || fail "the live database has fewer cases ($live_count) than its backup"
echo "ok: restored $restored_count cases (all $(wc -l <"$WORK/acked-before.txt") acknowledged before the backup;" \
  "the live database went on to $live_count), audit verify: $backup_entries entries, served by a fresh server"

echo "--- the backup script keeps the newest AFTERSALES_BACKUP_KEEP"
for ((i = 0; i < 2; i++)); do
  sleep 1.1  # backups are named by the second
  AFTERSALES_BIN="$BIN" AFTERSALES_DB="$WORK/live.db" AFTERSALES_BACKUP_DIR="$WORK/backups" \
    AFTERSALES_BACKUP_KEEP=2 sh "$BACKUP_SCRIPT" >"$WORK/backup-$i.out" 2>&1 ||
    fail "backup $i failed: $(cat "$WORK/backup-$i.out")"
done
kept="$(find "$WORK/backups" -name 'aftersales-*.db' | sort)"
[ "$(wc -l <<<"$kept")" = 2 ] || fail "expected the 2 newest backups, found: $kept"
grep -qF "$(basename "$BACKUP")" <<<"$kept" && fail "the oldest backup was not removed"
grep -q "removed the old backup $BACKUP" "$WORK/backup-1.out" || fail "the script did not say what it removed"
AFTERSALES_BIN="$BIN" AFTERSALES_DB="$WORK/live.db" AFTERSALES_BACKUP_DIR="$WORK/backups" AFTERSALES_BACKUP_KEEP=two \
  sh "$BACKUP_SCRIPT" >/dev/null 2>&1 && fail "a KEEP that is not a number was accepted"
echo "ok: 2 backups kept"

stop_server_cleanly "$RESTORED_PID"
stop_server_cleanly "$LIVE_PID"
