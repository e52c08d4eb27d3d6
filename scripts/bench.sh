#!/usr/bin/env bash
# Runs the benchmarks of docs/BENCHMARKS.md on a release build, each against
# its baseline measured in the same run, and prints their tables; the JSON
# figures go to build/release/bench-results/.
#   scripts/bench.sh           full runs: engine (2,000 lifecycles per row),
#                              HTTP (3 rounds of 10 s per scenario), 300
#                              lifecycles over HTTP with the server's CPU, scale
#                              (10k, 100k and 1M cases: about 10 GB of disk
#                              in the system's temporary folder, ~30 minutes),
#                              durable lifecycles over HTTP with 1, 2 and 3
#                              servers on one PostgreSQL database, SQLite and
#                              raw libpq (5 rounds of 300 a row, a throwaway
#                              PostgreSQL 15 cluster of its own, ~5 minutes),
#                              and a 900 s soak for the server's memory
#   scripts/bench.sh --quick   small sizes (what CI runs of each benchmark),
#                              a 60 s soak; nothing asserted about speed
set -euo pipefail
cd "$(dirname "$0")/.."
quick=()
if [ "${1:-}" = "--quick" ]; then quick=(--quick); fi
scripts/install-deps.sh
scripts/build.sh release
out=build/release/bench-results
mkdir -p "$out"
bench=build/release/bench
echo "==> engine: durable return_refund lifecycles against raw SQLite"
"$bench/engine_bench" "${quick[@]}" --json "$out/engine.json"
echo "==> http: wrk against the API and a bare cpp-httplib handler"
if [ ${#quick[@]} -eq 0 ]; then
  "$bench/http_bench" --seconds 10 --runs 3 --json "$out/http.json"
else
  "$bench/http_bench" --quick --json "$out/http.json"
fi
echo "==> lifecycle over HTTP: the server's CPU per durable request and per case read"
if [ ${#quick[@]} -eq 0 ]; then
  node bench/lifecycle_http.mjs --bin build/release/cli/aftersales --lifecycles 300 --json "$out/lifecycle_http.json"
else
  node bench/lifecycle_http.mjs --bin build/release/cli/aftersales --quick --json "$out/lifecycle_http.json"
fi
echo "==> scale: 10k / 100k / 1M cases"
if [ ${#quick[@]} -eq 0 ]; then
  "$bench/scale_bench" --cases 10000,100000,1000000 --json "$out/scale.json"
else
  "$bench/scale_bench" --quick --json "$out/scale.json"
fi
echo "==> several servers on PostgreSQL: 1, 2 and 3 servers, SQLite and raw libpq"
"$bench/pg_scaleout_bench" "${quick[@]}" --json "$out/pg_scaleout.json"
echo "==> memory: the soak of docs/RELIABILITY.md, resident memory after warm-up"
soak_seconds=900
if [ ${#quick[@]} -ne 0 ]; then soak_seconds=60; fi
AFTERSALES_BIN=build/release/cli/aftersales \
AFTERSALES_RELIABILITY_DRIVER=build/release/tests/reliability/reliability_driver \
  bash tests/reliability/soak_test.sh --seconds "$soak_seconds" >"$out/soak.txt" 2>&1 ||
  { tail -40 "$out/soak.txt"; echo "the soak failed (whole output: $out/soak.txt)" >&2; exit 1; }
grep -E '^(rss|soak summary):' "$out/soak.txt"
# Flat: the last third's mean resident memory within 10 % of the middle
# third's (the soak itself fails only past 1.5x, its leak check).
sed -n 's/^rss: .*middle third mean \([0-9]*\) KiB, last third mean \([0-9]*\) KiB.*/\1 \2/p' "$out/soak.txt" |
  awk -v s="$soak_seconds" '{ r = $2 / $1; printf "memory over a %d s soak: middle third %.1f MB, last third %.1f MB: %.3fx (target: flat, <= 1.10x: %s)\n", s, $1 / 1024, $2 / 1024, r, (r <= 1.10 ? "met" : "NOT met") }'
echo "==> figures written to $out"
