#!/usr/bin/env bash
# The OpenAPI client check (../README.md): installs the pinned npm packages
# (package-lock.json) into the build folder, generates TypeScript types from
# web/openapi.json with openapi-typescript, compiles client_check.ts with
# them under tsc --strict, starts a server and runs the compiled check
# against it. Fails when the document no longer types the calls, when the
# server answers a status the document does not list, or a body its schema
# does not allow.
# shellcheck source=../deploy_lib.sh
source "$(dirname "$0")/../deploy_lib.sh"
require_programs node:nodejs npm:npm curl:curl
HERE="$SOURCE_DIR/tests/deploy/openapi_client"

# npm ci once per lock file, into the build folder (never the source tree).
NODE_DIR="$BUILD_DIR/openapi-client-node"
mkdir -p "$NODE_DIR"
if ! cmp -s "$HERE/package-lock.json" "$NODE_DIR/package-lock.json" || [ ! -d "$NODE_DIR/node_modules" ]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) ||
    fail "npm ci of tests/deploy/openapi_client/package-lock.json failed"
fi
BIN_DIR="$NODE_DIR/node_modules/.bin"

echo "--- generating the client types from web/openapi.json"
cp "$HERE/client_check.ts" "$HERE/tsconfig.json" "$HERE/package.json" "$WORK/"
ln -s "$NODE_DIR/node_modules" "$WORK/node_modules"
# --default-non-nullable false: a request field with a default in the
# document stays optional (the server applies the default).
"$BIN_DIR/openapi-typescript" "$SOURCE_DIR/web/openapi.json" --default-non-nullable false -o "$WORK/schema.d.ts" ||
  fail "openapi-typescript could not generate types from web/openapi.json"
echo "--- tsc --strict"
(cd "$WORK" && "$BIN_DIR/tsc" --strict -p tsconfig.json) || fail "the client does not compile against the document's types"

echo "--- against a live server"
ADMIN_TOKEN="$(new_token)"
AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" start_server app --db "$WORK/app.db"
node "$WORK/out/client_check.js" "$SERVER_URL" "$ADMIN_TOKEN" "$SOURCE_DIR/web/openapi.json" ||
  fail "the generated client's calls do not match the server"
stop_server_cleanly "$SERVER_PID"
