#!/usr/bin/env bash
# Runs one fuzz target, as CTest does:
#   run_fuzzer.sh FUZZER CORPUS_DIR CRASH_DIR [DICTIONARY]
# The committed corpus is copied to a fresh temporary directory (the
# repository is never written), then the target runs for
# AFTERSALES_FUZZ_SECONDS (default 60) with leak detection on. Any crash,
# leak, input slower than 10 s, or sanitizer report fails the run; the
# offending input and the log are kept in CRASH_DIR. Prints the number of
# executions at the end.
set -euo pipefail
if [ "$#" -lt 3 ] || [ "$#" -gt 4 ]; then
  echo "usage: $0 FUZZER CORPUS_DIR CRASH_DIR [DICTIONARY]" >&2
  exit 2
fi
fuzzer="$1"
corpus="$2"
crashes="$3"
options=()
if [ "$#" -eq 4 ]; then options+=(-dict="$4"); fi
seconds="${AFTERSALES_FUZZ_SECONDS:-60}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "AFTERSALES_FUZZ_SECONDS must be a positive number of seconds, not '$seconds'" >&2
  exit 2
fi
name="$(basename "$fuzzer")"
work="$(mktemp -d -t "$name.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$crashes"
cp "$corpus"/* "$work/corpus/"
seeds="$(find "$work/corpus" -type f | wc -l)"
log="$work/fuzz.log"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
echo "==> $name: $seeds seed inputs, $seconds s"
set +e
# The outer timeout only guards against a run that never ends; libFuzzer
# stops itself after -max_total_time. TMPDIR: the targets' own temporary
# files (databases) go away with the work directory, even after a crash.
TMPDIR="$work" timeout --kill-after=30 "$((seconds + 300))" "$fuzzer" -max_total_time="$seconds" -timeout=10 -detect_leaks=1 \
  -print_final_stats=1 -artifact_prefix="$crashes/" "${options[@]}" "$work/corpus" >"$log" 2>&1
status=$?
set -e

final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
executions="$(final_stat number_of_executed_units)"
per_second="$(final_stat average_exec_per_sec)"
found="$(final_stat new_units_added)"
slowest="$(final_stat slowest_unit_time_sec)"
rss="$(final_stat peak_rss_mb)"
reports="$(grep -cE '^(==[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer|.*: runtime error: )' "$log" || true)"
if [ "$status" -ne 0 ] || [ "$reports" -ne 0 ] || [ -z "$executions" ]; then
  # The report is at the end of the log: the stack, the input, its file.
  tail -n 150 "$log"
  cp "$log" "$crashes/last-failure.log"
  echo "==> $name FAILED (exit status $status, $reports sanitizer report lines) after ${executions:-?} executions"
  echo "    the input and the whole log are kept in $crashes; rerun an input with: $fuzzer FILE"
  exit 1
fi
echo "==> $name: ${executions} executions in ${seconds} s (${per_second} exec/s), ${found} new inputs kept," \
  "slowest input ${slowest} s, peak RSS ${rss} MB: no failure"
