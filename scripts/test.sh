#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test under CTest:
#   release  the whole suite, the browser tests, the crash and soak tests,
#            the deploy tests (the Debian package installed and purged, the
#            nginx example, the alert rules, the restore drill, the OpenAPI
#            client) and the benchmarks in quick mode;
#   asan     the whole suite under ASan+UBSan;
#   tsan     the tests that race threads on purpose, under ThreadSanitizer;
#   fuzz     each libFuzzer target for AFTERSALES_FUZZ_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
# Runs one stage and prints how long it took (CI has 90 minutes in all).
stage() {
  local name="$1" t0=$SECONDS
  shift
  "$@"
  echo "==> stage $name took $((SECONDS - t0)) s (total $((SECONDS - started)) s)"
}
stage install scripts/install-deps.sh --browser
stage check-clock scripts/check-clock.sh
stage lint-openapi scripts/lint-openapi.sh
total_passed=0
total_failed=0
run_suite() {
  local flavour="$1"
  scripts/build.sh "$flavour"
  echo "==> running the tests of build/$flavour"
  local log
  log="$(mktemp)"
  set +e
  (cd "build/$flavour" && ctest --output-on-failure -j "$(nproc)" --timeout 900) 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  local line passed failed
  line="$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)"
  rm -f "$log"
  if [ -z "$line" ]; then echo "no CTest summary for build/$flavour" >&2; exit 1; fi
  failed="$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")"
  passed=$(( $(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line") - failed ))
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  if [ "$rc" -ne 0 ]; then
    echo "build/$flavour: tests failed" >&2
    echo "$total_passed passed, $total_failed failed"
    exit 1
  fi
}
AFTERSALES_BROWSER_TESTS=ON stage release run_suite release
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 stage asan run_suite asan
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" stage tsan run_suite tsan
stage fuzz run_suite fuzz
echo "$total_passed passed, $total_failed failed"
