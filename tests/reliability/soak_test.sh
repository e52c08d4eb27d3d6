#!/usr/bin/env bash
# Soak (README.md): 32 clients send valid and invalid requests for a while;
# halfway through, `aftersales backup` copies the live database. Then the
# backup and the live file are checked against every invariant, and the
# server's resident memory must have stopped growing. Exits non-zero on any
# violation.
#
# Options (or environment): --seconds N (AFTERSALES_SOAK_SECONDS, 60),
# --clients N (AFTERSALES_SOAK_CLIENTS, 32), --seed N
# (AFTERSALES_RELIABILITY_SEED; random by default, printed for a rerun),
# --rss-factor F (AFTERSALES_SOAK_RSS_FACTOR, 1.5: how much the mean RSS of
# the last third of the run may exceed the middle third's).
set -euo pipefail
SOAK_SECONDS="${AFTERSALES_SOAK_SECONDS:-60}"
CLIENTS="${AFTERSALES_SOAK_CLIENTS:-32}"
SEED="${AFTERSALES_RELIABILITY_SEED:-$((RANDOM * 32768 + RANDOM))}"
RSS_FACTOR="${AFTERSALES_SOAK_RSS_FACTOR:-1.5}"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SOAK_SECONDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --rss-factor) RSS_FACTOR="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--clients N] [--seed N] [--rss-factor F]" >&2; exit 2 ;;
  esac
done
# shellcheck source=reliability_lib.sh
source "$(dirname "$0")/reliability_lib.sh"

echo "soak: $SOAK_SECONDS s, $CLIENTS clients, seed $SEED"
start_receiver
start_server
timeout 60 "$DRIVER" setup --url "$URL" --admin-token "$ADMIN_TOKEN" --receiver-info "$WORK/receiver.json" \
  --fixture "$FIXTURE"
: >"$LOG"

BACKUP="$WORK/backup.db"
# The checks read everything the load wrote: a longer soak gets longer.
CHECK_TIMEOUT="$((300 + SOAK_SECONDS))"
load_rc=0
timeout "$((SOAK_SECONDS + 1200))" "$DRIVER" load --url "$URL" --fixture "$FIXTURE" --log "$LOG" --run-id soak \
  --clients "$CLIENTS" --seconds "$SOAK_SECONDS" --seed "$SEED" --invalid --server-pid "$SERVER_PID" \
  --rss-factor "$RSS_FACTOR" --backup-after "$((SOAK_SECONDS / 2))" --backup-file "$BACKUP" --bin "$BIN" \
  --db "$DB" >"$WORK/load.out" 2>&1 || load_rc=$?
cat "$WORK/load.out"
[ "$load_rc" -eq 0 ] || violation "the load exited $load_rc (memory growth or a failed backup, above)"
rss="$(sed -n 's/^rss: start \([0-9]*\) KiB, .*, end \([0-9]*\) KiB, .*: \([a-zA-Z]*\) .*/\1 KiB -> \2 KiB (\3)/p' "$WORK/load.out")"

backup_figures="no backup"
if [ -f "$BACKUP" ]; then
  check_file "$BACKUP" "the backup"
  run_check --label backup --db "$BACKUP" --until-marker backup
  show_check
  backup_figures="backup: $(check_figure 'audit entries') audit entries, $(check_figure cases) cases"
else
  violation "no backup was written"
fi
run_check --label soak --db "$DB" --url "$URL" --received "$RECEIVED" --final --every-request-answered
show_check
stop_server
check_file "$DB" "after the stop"

echo "soak summary: $SOAK_SECONDS s, $CLIENTS clients, seed $SEED, $((SECONDS - STARTED_AT)) s in all;" \
  "requests acknowledged $(check_figure 'requests acknowledged'), refused $(check_figure 'requests refused')" \
  "(invalid on purpose and checked: $(check_count 'invalid request refused as SPEC 4.2 says')), unanswered $(check_figure 'requests unanswered');" \
  "events delivered $(check_figure 'events delivered') of $(check_figure 'events committed');" \
  "invariant instances checked in the last check $(check_instances); RSS $rss; $backup_figures; $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
