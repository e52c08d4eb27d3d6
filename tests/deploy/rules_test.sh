#!/usr/bin/env bash
# The alerts and the dashboard of deploy/: `promtool check rules` and
# `promtool test rules` (each alert fires and stays quiet on purpose-made
# series), `promtool check config` of the example scrape configuration, the
# dashboard's JSON, and then against a real server with signed checkpoints:
# its /metrics passes `promtool check metrics`, and every aftersales_*
# series the rules or the dashboard read is one the server serves.
# shellcheck source=deploy_lib.sh
source "$(dirname "$0")/deploy_lib.sh"
require_programs promtool:prometheus jq:jq curl:curl

PROMETHEUS_DIR="$SOURCE_DIR/deploy/prometheus"
RULES="$PROMETHEUS_DIR/aftersales-rules.yml"
DASHBOARD="$SOURCE_DIR/deploy/grafana/aftersales-dashboard.json"

echo "--- promtool"
promtool check rules "$RULES" || fail "promtool check rules refuses $RULES"
(cd "$PROMETHEUS_DIR" && promtool test rules aftersales-rules.test.yml) || fail "promtool test rules failed"
# The example configuration, with its files where this test put them.
echo "as_example_token" >"$WORK/aftersales.token"
cp "$RULES" "$WORK/aftersales-rules.yml"
sed -e "s|/etc/prometheus/aftersales-rules.yml|$WORK/aftersales-rules.yml|" \
  -e "s|/etc/prometheus/aftersales.token|$WORK/aftersales.token|" "$PROMETHEUS_DIR/prometheus.yml" >"$WORK/prometheus.yml"
grep -q "$WORK/aftersales-rules.yml" "$WORK/prometheus.yml" || fail "prometheus.yml no longer loads aftersales-rules.yml"
promtool check config "$WORK/prometheus.yml" || fail "promtool check config refuses deploy/prometheus/prometheus.yml"

echo "--- the dashboard"
jq -e '.panels | length > 0' "$DASHBOARD" >/dev/null || fail "$DASHBOARD is not a dashboard with panels"
jq -r '.panels[] | select(.type != "row") | .targets[]?.expr' "$DASHBOARD" >"$WORK/dashboard.exprs"
[ "$(jq '[.panels[] | select(.type != "row") | select((.targets // []) | length == 0)] | length' "$DASHBOARD")" = 0 ] ||
  fail "a dashboard panel has no query"
echo "$(wc -l <"$WORK/dashboard.exprs") queries in $(jq '[.panels[] | select(.type != "row")] | length' "$DASHBOARD") panels"

echo "--- against a real server"
ADMIN_TOKEN="$(new_token)"
"$BIN" audit keygen --out "$WORK/audit.key" >/dev/null || fail "audit keygen failed"
AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" start_server app --db "$WORK/app.db" \
  --checkpoint-dir "$WORK/checkpoints" --checkpoint-key "$WORK/audit.key" --checkpoint-every 600
# One request of each kind the HTTP series count, then the scrape.
curl -s -o /dev/null "$SERVER_URL/healthz"
curl -s -o /dev/null "$SERVER_URL/api/v1/cases"
curl -s -H "Authorization: Bearer $ADMIN_TOKEN" -o "$WORK/metrics.txt" -w '%{http_code}' "$SERVER_URL/metrics" \
  >"$WORK/metrics.status"
[ "$(cat "$WORK/metrics.status")" = 200 ] || fail "GET /metrics answered $(cat "$WORK/metrics.status")"
promtool check metrics <"$WORK/metrics.txt" || fail "promtool check metrics finds problems in GET /metrics"
grep -oE '^aftersales_[a-z_]+' "$WORK/metrics.txt" | sort -u >"$WORK/served.names"
grep -q '^aftersales_audit_checkpoint_interval_seconds 600$' "$WORK/metrics.txt" ||
  fail "the checkpoint interval is not served as given: $(grep checkpoint_interval "$WORK/metrics.txt")"

# Series names: aftersales_ and lower case (the annotations' words never
# have the underscore).
{
  grep -vE '^ *#' "$RULES"
  cat "$WORK/dashboard.exprs"
} | grep -oE 'aftersales_[a-z_]+' | sort -u >"$WORK/read.names"
[ -s "$WORK/read.names" ] || fail "found no aftersales_* series in the rules and the dashboard"
missing="$(comm -23 "$WORK/read.names" "$WORK/served.names")"
[ -z "$missing" ] || fail "the rules or the dashboard read series the server does not serve: $(tr '\n' ' ' <<<"$missing")"
# Every alert of the rules is read from a served series or from `up`.
for alert in $(grep -oE 'alert: [A-Za-z]+' "$RULES" | cut -d' ' -f2); do
  expr="$(sed -n "/alert: $alert\$/,/labels:/p" "$RULES")"
  grep -qE 'aftersales_[a-z_]+|up\{job="aftersales"' <<<"$expr" || fail "alert $alert reads no aftersales series"
done
echo "ok: $(wc -l <"$WORK/read.names") series read by the rules and the dashboard, all served:" \
  "$(tr '\n' ' ' <"$WORK/read.names")"

stop_server_cleanly "$SERVER_PID"
