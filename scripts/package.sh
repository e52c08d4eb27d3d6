#!/usr/bin/env bash
# Builds the Debian package of deploy/README.md from a release build of the
# server alone: build/release/packages/aftersales_<version>_<arch>.deb.
# Install it with `apt install ./build/release/packages/aftersales_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release aftersales
echo "==> packaging"
(cd build/release && cpack -G DEB)
ls -1 build/release/packages/*.deb
