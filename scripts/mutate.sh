#!/usr/bin/env bash
# A repeatable mutation run: shows that the test suite catches real bugs.
#
# Each mutant in the list (scripts/mutants.txt) is a one-line bug: a file,
# an exact text that occurs there exactly once, and its replacement. For
# each mutant in turn the script applies it alone, rebuilds incrementally
# (build/mutate, a release build with ccache; --build-dir reuses another
# configured build, e.g. build/release), runs the non-browser Catch2
# suites (the mutated layer's suite first; a mutant's run stops at its first
# failing suite), reverts the file (always: also on Ctrl-C or an error) and
# prints whether the mutant was killed or survived. At the end: a table and
# the score (killed / mutants that built), also written as Markdown to
# <build>/mutation-report.md for docs/RELIABILITY.md. Exits 0 when no
# mutant survived.
#
# Not part of CI: it rebuilds and runs the suites once per mutant (about
# half an hour on two cores with TMPDIR on tmpfs, so that the suites' test
# databases do not wait for the disk). It runs under `nice`.
#
#   scripts/mutate.sh                 every mutant
#   scripts/mutate.sh --check         only check the list (each text found exactly once)
#   scripts/mutate.sh --only a,b      the mutants with these ids
#   scripts/mutate.sh --no-baseline   skip the unmutated run of the suites
#   scripts/mutate.sh --build-dir build/release   mutate in an existing build
#
# The list refuses a mutant whose text is missing or ambiguous, so that a
# code change that moves the text is noticed: fix the list, not the script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

LIST="scripts/mutants.txt"
BUILD="build/mutate"
ONLY=""
CHECK_ONLY=0
BASELINE=1
SUITE_TIMEOUT="${AFTERSALES_MUTATE_SUITE_TIMEOUT:-900}"
SUITES=(domain_tests workflows_tests db_tests engine_tests web_tests cli_tests)

while [ $# -gt 0 ]; do
  case "$1" in
    --list) LIST="$2"; shift 2 ;;
    --build-dir) BUILD="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --check) CHECK_ONLY=1; shift ;;
    --no-baseline) BASELINE=0; shift ;;
    -h|--help) sed -n '2,27p' "$0" | cut -c3-; exit 0 ;;
    *) echo "usage: $0 [--check] [--only id,id] [--no-baseline] [--list FILE] [--build-dir DIR]" >&2; exit 2 ;;
  esac
done

# ---- The list ---------------------------------------------------------------
# Blocks separated by blank lines; '#' lines are comments:
#   id: ledger-own-share
#   description: a case's line amount ignores what other cases already hold
#   file: engine/cases/ledger.cc
#   find: <exact text, to the end of the line>
#   replace: <its replacement, to the end of the line>
# The text after "find: " and "replace: " is taken as is (one space after
# the colon is the separator; any further spaces belong to the text).
IDS=() DESCS=() FILES=() FINDS=() REPLACES=()
parse_list() {
  local id="" desc="" file="" find="" replace="" have_find=0 have_replace=0 line_no=0 line
  flush() {
    if [ -n "$id$desc$file$find$replace" ]; then
      if [ -z "$id" ] || [ -z "$desc" ] || [ -z "$file" ] || [ "$have_find" -eq 0 ] || [ "$have_replace" -eq 0 ]; then
        echo "$LIST: the mutant ending at line $line_no lacks id, description, file, find or replace" >&2
        exit 2
      fi
      IDS+=("$id") DESCS+=("$desc") FILES+=("$file") FINDS+=("$find") REPLACES+=("$replace")
    fi
    id="" desc="" file="" find="" replace="" have_find=0 have_replace=0
  }
  while IFS= read -r line || [ -n "$line" ]; do
    line_no=$((line_no + 1))
    case "$line" in
      '#'*) ;;
      '') flush ;;
      'id: '*) id="${line#id: }" ;;
      'description: '*) desc="${line#description: }" ;;
      'file: '*) file="${line#file: }" ;;
      'find: '*) find="${line#find: }"; have_find=1 ;;
      'replace: '*) replace="${line#replace: }"; have_replace=1 ;;
      'replace:') replace=""; have_replace=1 ;;
      *) echo "$LIST:$line_no: unknown line: $line" >&2; exit 2 ;;
    esac
  done < "$LIST"
  flush
}

# How often the exact text $FIND occurs in file $1 (environment: FIND).
occurrences() {
  FIND="$2" perl -0777 -ne '$n = () = /\Q$ENV{FIND}\E/g; print $n' "$1"
}

# Replaces the one occurrence of $2 in file $1 with $3.
apply() {
  FIND="$2" REPLACE="$3" perl -0777 -i -pe 's/\Q$ENV{FIND}\E/$ENV{REPLACE}/' "$1"
}

parse_list
if [ "${#IDS[@]}" -eq 0 ]; then echo "$LIST holds no mutants" >&2; exit 2; fi
declare -A SEEN=()
problems=0
for i in "${!IDS[@]}"; do
  id="${IDS[$i]}" file="${FILES[$i]}"
  if [ -n "${SEEN[$id]:-}" ]; then echo "mutant $id: the id is used twice" >&2; problems=$((problems + 1)); fi
  SEEN[$id]=1
  if [ ! -f "$file" ]; then echo "mutant $id: no file $file" >&2; problems=$((problems + 1)); continue; fi
  if [ "${FINDS[$i]}" = "${REPLACES[$i]}" ]; then echo "mutant $id: the replacement changes nothing" >&2; problems=$((problems + 1)); fi
  n="$(occurrences "$file" "${FINDS[$i]}")"
  if [ "$n" != 1 ]; then
    echo "mutant $id: the text occurs $n times in $file (it must occur exactly once): ${FINDS[$i]}" >&2
    problems=$((problems + 1))
  fi
done
if [ -n "$ONLY" ]; then
  for want in ${ONLY//,/ }; do
    if [ -z "${SEEN[$want]:-}" ]; then echo "--only: no mutant $want" >&2; problems=$((problems + 1)); fi
  done
fi
if [ "$problems" -gt 0 ]; then echo "$LIST: $problems problem(s); nothing was run" >&2; exit 2; fi
echo "==> $LIST: ${#IDS[@]} mutants, each text found exactly once"
if [ "$CHECK_ONLY" -eq 1 ]; then exit 0; fi

# ---- Build and suites ---------------------------------------------------------
# Reverts the mutated file, whatever happens (Ctrl-C, a failing command).
BACKUP="$(mktemp)"
MUTATED=""
restore() {
  if [ -n "$MUTATED" ]; then
    cp "$BACKUP" "$MUTATED"  # a new mtime: the next build recompiles it (a ccache hit)
    echo "==> reverted $MUTATED"
    MUTATED=""
  fi
}
SUITE_PID=""
cleanup() {
  if [ -n "$SUITE_PID" ]; then
    kill -TERM "$SUITE_PID" 2>/dev/null || true  # timeout passes it on to the suite
    wait "$SUITE_PID" 2>/dev/null || true
  fi
  restore
  rm -f "$BACKUP"
}
trap cleanup EXIT
trap 'echo "==> interrupted"; exit 130' INT TERM

if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  # A release build of its own; warnings are not errors here, so that a
  # mutant is judged by the tests, not by a warning it happens to cause.
  args=(-DCMAKE_BUILD_TYPE=Release -DAFTERSALES_WERROR=OFF -DAFTERSALES_BROWSER_TESTS=OFF)
  if command -v ccache >/dev/null 2>&1; then
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  echo "==> configuring $BUILD"
  nice cmake -S . -B "$BUILD" "${args[@]}" >/dev/null
fi
# Builds the given targets; the log is $BUILD/mutate-build.log.
build() { nice cmake --build "$BUILD" -j "$(nproc)" --target "$@" >"$BUILD/mutate-build.log" 2>&1; }
# A suite and what it needs: the web and cli suites run the built binary.
targets_of() {
  case "$1" in
    web_tests|cli_tests) echo "$1 aftersales" ;;
    *) echo "$1" ;;
  esac
}
export AFTERSALES_BIN="$ROOT/$BUILD/cli/aftersales"

# The suite of the layer a file belongs to runs first: it is the likeliest to fail.
suites_for() {
  local layer="${1%%/*}" first="" s
  case "$layer" in
    domain|workflows|db|engine|web|cli) first="${layer}_tests" ;;
  esac
  [ -n "$first" ] && echo "$first"
  for s in "${SUITES[@]}"; do [ "$s" != "$first" ] && echo "$s"; done
  return 0
}

# Builds and runs the suites in order (each built just before it runs, so
# that a mutant killed by its first suite costs one link) and stops at the
# first that fails. Returns 0 when all pass, 1 when one failed (KILLER says
# "suite: first failure"), 2 when a suite did not build (KILLER says why).
KILLER=""
run_suites() {
  local s log rc
  KILLER=""
  for s in "$@"; do
    # shellcheck disable=SC2046
    if ! build $(targets_of "$s"); then
      KILLER="$(grep -m1 -E 'error' "$BUILD/mutate-build.log" | sed -E "s|$ROOT/||g" | cut -c1-160 || true)"
      return 2
    fi
    log="$BUILD/mutate-$s.log"
    rc=0
    # In the background with `wait`, so that a signal to this script is
    # handled at once (the trap stops the suite) instead of after the suite.
    (cd "$BUILD/tests" && exec nice timeout "$SUITE_TIMEOUT" "./$s" --abort --reporter compact) >"$log" 2>&1 &
    SUITE_PID=$!
    wait "$SUITE_PID" || rc=$?
    SUITE_PID=""
    if [ "$rc" -ne 0 ]; then
      local first
      if [ "$rc" -eq 124 ]; then
        first="timed out after ${SUITE_TIMEOUT} s"
      else
        first="$(grep -m1 -E 'failed|FAILED|error' "$log" | sed -E "s|$ROOT/||g; s|(\.\./)+||g" | cut -c1-160 || true)"
        [ -n "$first" ] || first="exit status $rc"
      fi
      KILLER="$s: $first"
      return 1
    fi
  done
  return 0
}

START=$SECONDS
echo "==> building $BUILD"
# shellcheck disable=SC2046
if ! build $(for s in "${SUITES[@]}"; do targets_of "$s"; done); then
  echo "the unmutated code does not build (see $BUILD/mutate-build.log)" >&2
  exit 1
fi
if [ "$BASELINE" -eq 1 ]; then
  echo "==> the suites on the unmutated code"
  if ! run_suites "${SUITES[@]}"; then
    echo "the suites fail without any mutant ($KILLER): fix that first" >&2
    exit 1
  fi
fi

RESULTS=()  # id|result|seconds|killer
killed=0 survived=0 stillborn=0 ran=0
for i in "${!IDS[@]}"; do
  id="${IDS[$i]}" file="${FILES[$i]}"
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$id,"* ]]; then continue; fi
  ran=$((ran + 1))
  t0=$SECONDS
  echo "==> [$ran] $id: ${DESCS[$i]} ($file)"
  cp "$file" "$BACKUP"
  MUTATED="$file"
  apply "$file" "${FINDS[$i]}" "${REPLACES[$i]}"
  if cmp -s "$file" "$BACKUP"; then echo "mutant $id changed nothing" >&2; exit 1; fi
  mapfile -t order < <(suites_for "$file")
  rc=0
  run_suites "${order[@]}" || rc=$?
  case "$rc" in
    0) result="SURVIVED" killer="" survived=$((survived + 1)) ;;
    1) result="killed" killer="$KILLER" killed=$((killed + 1)) ;;
    *) result="did not build" killer="$KILLER" stillborn=$((stillborn + 1)) ;;
  esac
  restore
  killer="${killer//|//}"
  took=$((SECONDS - t0))
  echo "    $result in ${took} s${killer:+ — $killer}"
  RESULTS+=("$id|$result|$took|$killer|$i")
done

# The unmutated build again, so that the build matches the sources.
# shellcheck disable=SC2046
build $(for s in "${SUITES[@]}"; do targets_of "$s"; done) || true

built=$((killed + survived))
score="n/a"
if [ "$built" -gt 0 ]; then score="$((100 * killed / built))%"; fi
REPORT="$BUILD/mutation-report.md"
{
  echo "| # | mutant | file | what it breaks | result | caught by |"
  echo "|---|---|---|---|---|---|"
  n=0
  for r in "${RESULTS[@]}"; do
    IFS='|' read -r id result took killer idx <<<"$r"
    n=$((n + 1))
    by="${killer%%:*}"
    if [ "$result" = killed ]; then
      where="${killer#*: }"
      where="${where%%:*}"
      by="$by (\`$where\`)"
    fi
    echo "| $n | \`$id\` | \`${FILES[$idx]}\` | ${DESCS[$idx]} | $result | ${by:-—} |"
  done
  echo
  echo "Killed $killed of $built mutants that built ($score); $survived survived; $stillborn did not build." \
       "$(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m)), $(( (SECONDS - START) / 60 )) min."
} >"$REPORT"
echo
column -t -s '|' <(printf '%s\n' "mutant|result|seconds|first failure" "${RESULTS[@]%|*}") || true
echo
echo "killed $killed, survived $survived, did not build $stillborn: score $score (killed / built)"
echo "report: $REPORT"
[ "$survived" -eq 0 ]
