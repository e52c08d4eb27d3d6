#!/usr/bin/env bash
# Installs what building (and, with --browser, browser-testing) aftersales
# needs from Debian 12's packages. Nothing is updated or installed when it is
# all there already.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libboost-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libcpp-httplib-dev
  catch2 libcli11-dev libssl-dev ccache
  # business calendars (SPEC §13.2): IANA time zones through Howard Hinnant's
  # date library, which reads the system's tz database
  libhowardhinnant-date-dev tzdata
  # the PostgreSQL store (db/postgres/, libpq) and its tests, which run a
  # throwaway server of their own (scripts/pg-test-cluster.sh); the cluster
  # `main` that the package sets up on port 5432 is not used
  postgresql-15 libpq-dev
  curl ca-certificates jq
  # fuzz targets (libFuzzer) and the HTTP benchmark's load generator
  clang libclang-rt-14-dev wrk
  # the deploy tests (tests/deploy): the Debian package (dpkg-shlibdeps,
  # lintian, systemd-analyze, the maintainer scripts' adduser), the nginx
  # example with a certificate made by openssl, the alert rules (promtool)
  git dpkg-dev lintian systemd adduser nginx-light openssl prometheus
)
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium fonts-noto-cjk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The web UI's build uses npm (a chart library, embedded at build time);
# any Node.js 18 or later will do, Debian's included.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "==> dependencies already installed"
fi
