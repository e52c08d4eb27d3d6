#!/usr/bin/env bash
# Configures and builds one flavour of aftersales.
#   scripts/build.sh release   -> build/release   (optimised, -Werror)
#   scripts/build.sh asan      -> build/asan      (Debug, ASan + UBSan, -Werror)
#   scripts/build.sh tsan      -> build/tsan      (ThreadSanitizer; its CTest runs the [concurrency] tests)
#   scripts/build.sh fuzz      -> build/fuzz      (clang, libFuzzer + ASan + UBSan; its CTest runs each fuzz
#                                                   target for AFTERSALES_FUZZ_SECONDS, default 60; tests/fuzz)
# Targets after the flavour build only those (scripts/run.sh: `release
# aftersales`, the server alone); without, everything (tests, benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-release}"
shift || true
targets=()
for target in "$@"; do targets+=(--target "$target"); done
jobs="$(nproc)"
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release -DAFTERSALES_WERROR=ON -DAFTERSALES_BROWSER_TESTS="${AFTERSALES_BROWSER_TESTS:-OFF}") ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DAFTERSALES_SANITIZE=ON -DAFTERSALES_WERROR=ON) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DAFTERSALES_TSAN=ON -DAFTERSALES_WERROR=ON) ;;
  fuzz) args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DAFTERSALES_FUZZ=ON) ;;
  *) echo "usage: $0 release|asan|tsan|fuzz" >&2; exit 2 ;;
esac
# ccache (scripts/install-deps.sh installs it): a rebuild of unchanged files
# is a cache hit, also from another checkout of the project on this machine
# (paths are taken relative to the checkout).
if command -v ccache >/dev/null 2>&1; then
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-20G}"
fi
echo "==> configuring build/$flavour"
cmake -S . -B "build/$flavour" "${args[@]}" >/dev/null
echo "==> building build/$flavour${targets[*]:+ (${*})} with $jobs jobs"
cmake --build "build/$flavour" -j "$jobs" "${targets[@]}"
