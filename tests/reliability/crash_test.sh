#!/usr/bin/env bash
# Crash test (README.md): a server on a fresh SQLite file under load from
# concurrent clients, killed with SIGKILL at a random moment and restarted,
# round after round; after each kill the file is checked, after each
# restart every invariant. Exits non-zero on any violation.
#
# Options (or environment): --rounds N (AFTERSALES_CRASH_ROUNDS, 20),
# --clients N (AFTERSALES_CRASH_CLIENTS, 6), --seed N
# (AFTERSALES_RELIABILITY_SEED; random by default, printed for a rerun).
set -euo pipefail
ROUNDS="${AFTERSALES_CRASH_ROUNDS:-20}"
CLIENTS="${AFTERSALES_CRASH_CLIENTS:-6}"
SEED="${AFTERSALES_RELIABILITY_SEED:-$((RANDOM * 32768 + RANDOM))}"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    *) echo "usage: $0 [--rounds N] [--clients N] [--seed N]" >&2; exit 2 ;;
  esac
done
# shellcheck source=reliability_lib.sh
source "$(dirname "$0")/reliability_lib.sh"
RANDOM=$SEED  # the kill moments follow the seed too

echo "crash test: $ROUNDS rounds, $CLIENTS clients, seed $SEED"
start_receiver
start_server
timeout 60 "$DRIVER" setup --url "$URL" --admin-token "$ADMIN_TOKEN" --receiver-info "$WORK/receiver.json" \
  --fixture "$FIXTURE"
: >"$LOG"

for ((round = 1; round <= ROUNDS; round++)); do
  crash_round "r$round" 300 2700 || break
  run_check --label "after restart $round" --db "$DB" --url "$URL" --received "$RECEIVED"
  grep -q "all invariants hold" "$WORK/check.out" || show_check
  echo "round $round: killed ${DELAY_MS} ms into the load; $(grep '^load' "$WORK/load.out" | cut -d: -f2-);" \
    "check: $(head -1 "$WORK/check.out" | cut -d: -f2-)"
done

summary_figures=""
if [ -n "$SERVER_PID" ]; then
  run_check --label final --db "$DB" --url "$URL" --received "$RECEIVED" --final
  show_check
  summary_figures="requests acknowledged $(check_figure 'requests acknowledged'), refused $(check_figure 'requests refused'), unanswered $(check_figure 'requests unanswered') (resent $(check_figure 'requests resent after a restart'), replayed $(check_figure 'requests replayed (Idempotent-Replayed)')); cases $(check_figure cases), deadline firings $(check_figure 'deadline firings and breaches'); events delivered $(check_figure 'events delivered') of $(check_figure 'events committed'); invariant instances checked in the final check $(check_instances);"
  stop_server
  check_file "$DB" "after the last stop"
fi

echo "crash test summary: $ROUNDS rounds, $KILLS kills (SIGKILL), seed $SEED, $((SECONDS - STARTED_AT)) s;" \
  "$summary_figures $VIOLATIONS violations"
[ "$VIOLATIONS" -eq 0 ]
