#!/usr/bin/env bash
# Fails when code reads the real clock or sleeps outside domain/system_clock.cc.
# Business time comes from the injected Clock (domain/clock.h), so that
# deadlines are tested deterministically.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='std::chrono::(system_clock|steady_clock|high_resolution_clock)|this_thread::sleep_for|\busleep\(|\bstd::time\(|\btime\(nullptr\)|\btime\(NULL\)|gettimeofday\(|clock_gettime\('
if grep -rnE "$pattern" --include='*.cc' --include='*.h' domain workflows engine db web cli bench 2>/dev/null \
    | grep -v '^domain/system_clock.cc:'; then
  echo "check-clock: read the time through domain/clock.h (Clock, MonotonicSeconds, SleepForMillis)" >&2
  exit 1
fi
echo "check-clock: ok (no direct clock reads or sleeps outside domain/system_clock.cc)"
