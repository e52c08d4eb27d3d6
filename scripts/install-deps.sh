#!/usr/bin/env bash
# Installs what building and testing aftersales needs from Debian 12's
# packages, skipping the update when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libboost-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libcpp-httplib-dev
  catch2 libcli11-dev libssl-dev
  curl ca-certificates
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "==> build dependencies already installed"
fi
