#!/usr/bin/env bash
# Lints the OpenAPI document the server serves (web/openapi.json) with
# Redocly's CLI from npm, pinned.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> linting web/openapi.json"
npx --yes @redocly/cli@2.77.0 lint --format=stylish web/openapi.json
