#!/usr/bin/env bash
# deploy/nginx/aftersales.conf, run as it is in Debian's nginx with only its
# addresses, ports, names and certificate paths changed, in front of a real
# server on loopback: TLS with a self-signed certificate made here, HTTP
# redirected to HTTPS, the client's address passed on and not spoofable,
# /metrics not exposed, the session cookie made Secure, and request rate
# limits answered 429 problem+json. Clients use other loopback addresses
# (127.0.0.2 and up) than nginx (127.0.0.1), so that the server's access
# log shows whose address it believed.
# shellcheck source=deploy_lib.sh
source "$(dirname "$0")/deploy_lib.sh"
require_programs nginx:nginx-light openssl:openssl curl:curl jq:jq

EXAMPLE="$SOURCE_DIR/deploy/nginx/aftersales.conf"
HOST=returns.test
ADMIN_TOKEN="$(new_token)"

# --- the server, trusting nginx's address only ---------------------------------
AFTERSALES_BOOTSTRAP_TOKEN="$ADMIN_TOKEN" start_server app --db "$WORK/app.db" --trusted-proxy 127.0.0.1
APP_PORT="${SERVER_URL##*:}"
# A user with a password, for the session cookie.
status="$(json_request POST "$SERVER_URL/api/v1/users" "$ADMIN_TOKEN" \
  '{"name": "carol", "role": "agent", "password": "proxy-test-password-1"}' | cut -d' ' -f1)"
[ "$status" = 201 ] || fail "creating a user answered $status"

# --- the certificate ----------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$HOST" \
  -addext "subjectAltName=DNS:$HOST" -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2>"$WORK/openssl.err" ||
  fail "openssl could not make a certificate: $(cat "$WORK/openssl.err")"

# --- the example, with what a site changes changed -----------------------------
# Each replacement must match exactly as often as written, so that a changed
# example fails here instead of being tested halfway.
SITE="$WORK/site.conf"
replace() {  # replace COUNT PATTERN REPLACEMENT (sed -E, % as separator)
  local found
  found="$(grep -cE "$2" "$SITE" || true)"
  [ "$found" = "$1" ] || fail "deploy/nginx/aftersales.conf: expected $1 line(s) matching '$2', found $found"
  sed -i -E "s%$2%$3%" "$SITE"
}
# The example with this run's ports in it.
write_site() {
  cp "$EXAMPLE" "$SITE"
  replace 1 '^( *)server 127\.0\.0\.1:8080;' "\\1server 127.0.0.1:$APP_PORT;"
  replace 1 '^( *)listen 80;' "\\1listen 127.0.0.1:$HTTP_PORT;"
  replace 1 '^( *)listen 443 ssl http2;' "\\1listen 127.0.0.1:$TLS_PORT ssl http2;"
  replace 2 '^( *)listen \[::\]:(80|443).*;' '\1# (no IPv6 in the test)'
  replace 2 'returns\.example\.com;' "$HOST;"
  replace 1 'ssl_certificate /etc/ssl/certs/returns\.example\.com\.pem;' "ssl_certificate $WORK/tls.pem;"
  replace 1 'ssl_certificate_key /etc/ssl/private/returns\.example\.com\.key;' "ssl_certificate_key $WORK/tls.key;"
}

mkdir -p "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<CONF
# The test's nginx: the example site inside a minimal http block, every file
# in the work folder, workers as root (the folder is private).
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $WORK/nginx/access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $SITE;
}
CONF
NGINX_PID=""
at_exit 'if [ -n "$NGINX_PID" ]; then kill -QUIT $NGINX_PID 2>/dev/null; sleep 0.5; kill -KILL $NGINX_PID 2>/dev/null; wait $NGINX_PID 2>/dev/null; fi'
# Starts nginx on two free ports. A port found free can be taken by another
# program before nginx binds it (tests run in parallel): nginx then exits,
# and the next attempt takes other ports.
start_nginx() {
  local attempt
  for ((attempt = 1; attempt <= 5; attempt++)); do
    TLS_PORT="$(free_port)"
    HTTP_PORT="$(free_port)"
    [ "$TLS_PORT" != "$HTTP_PORT" ] || continue
    write_site
    nginx -t -q -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>"$WORK/nginx-t.err" ||
      fail "nginx -t refuses the example: $(cat "$WORK/nginx-t.err")"
    nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g 'daemon off;' 2>>"$WORK/nginx/error.log" &
    NGINX_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
      curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/" && curl -sk -o /dev/null "https://127.0.0.1:$TLS_PORT/" && return 0
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$NGINX_PID" 2>/dev/null; then
      fail "nginx did not listen within 10 s: $(tail -3 "$WORK/nginx/error.log")"
    fi
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
    grep -q 'Address already in use' "$WORK/nginx/error.log" ||
      fail "nginx exited at start: $(tail -3 "$WORK/nginx/error.log")"
    echo "ports $HTTP_PORT/$TLS_PORT were taken meanwhile (attempt $attempt), trying others"
    : >"$WORK/nginx/error.log"
  done
  fail "nginx found no free ports in 5 attempts"
}
start_nginx

# curl as a client on loopback address $1 (the source address), through TLS.
client() {
  local source="$1"
  shift
  curl -s --interface "$source" --cacert "$WORK/tls.pem" --resolve "$HOST:$TLS_PORT:127.0.0.1" "$@"
}
BASE="https://$HOST:$TLS_PORT"

# The access log line of the request whose path is $1 (the last one), waiting
# for it: the server writes it once the answer is sent.
logged_request() {
  local path="$1" line="" i
  for ((i = 0; i < 100; i++)); do
    line="$(grep '^{' "$WORK/app.err" | jq -c --arg p "$path" 'select(.path == $p)' 2>/dev/null | tail -1)"
    [ -n "$line" ] && break
    sleep 0.1
  done
  echo "$line"
}

echo "--- TLS"
[ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] ||
  fail "GET /healthz over HTTPS through nginx did not answer 200"
protocol="$(client 127.0.0.2 -o /dev/null -w '%{ssl_verify_result} %{http_version}' "$BASE/healthz")"
[ "$protocol" = "0 2" ] || fail "expected a verified certificate and HTTP/2, got '$protocol'"
for version in 1.2 1.3; do
  [ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' --tlsv"$version" --tls-max "$version" "$BASE/healthz")" = 200 ] ||
    fail "TLS $version was refused"
done
hsts="$(client 127.0.0.2 -D - -o /dev/null "$BASE/healthz" | tr -d '\r' | grep -i '^strict-transport-security:' || true)"
[ -n "$hsts" ] || fail "no Strict-Transport-Security header over HTTPS"
redirect="$(curl -s --interface 127.0.0.2 -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: $HOST" \
  "http://127.0.0.1:$HTTP_PORT/cases?x=1")"
[ "$redirect" = "301 https://$HOST/cases?x=1" ] || fail "plain HTTP should redirect to HTTPS, got '$redirect'"
echo "ok: HTTPS with TLS 1.2 and 1.3 and HTTP/2, HSTS, HTTP redirected"

echo "--- the client's address"
client 127.0.0.2 -o /dev/null "$BASE/api/v1/openapi.json"
line="$(logged_request /api/v1/openapi.json)"
[ "$(jq -r .remote <<<"$line")" = 127.0.0.2 ] || fail "through nginx the log should name 127.0.0.2: $line"
# A client that claims another address through nginx: nginx replaces the header.
client 127.0.0.3 -o /dev/null -H 'X-Forwarded-For: 203.0.113.66' "$BASE/api/v1/nothing-here-1"
line="$(logged_request /api/v1/nothing-here-1)"
[ "$(jq -r .remote <<<"$line")" = 127.0.0.3 ] || fail "a spoofed X-Forwarded-For through nginx was believed: $line"
# The same claim sent to the server directly, from an address it does not trust.
curl -s --interface 127.0.0.4 -o /dev/null -H 'X-Forwarded-For: 203.0.113.66' "$SERVER_URL/api/v1/nothing-here-2"
line="$(logged_request /api/v1/nothing-here-2)"
[ "$(jq -r .remote <<<"$line")" = 127.0.0.4 ] || fail "a spoofed X-Forwarded-For from an untrusted peer was believed: $line"
echo "ok: the server logs the client nginx saw; spoofed headers are not believed"

echo "--- what the proxy adds and hides"
[ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/metrics")" = 404 ] ||
  fail "/metrics must not be served through the proxy"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" "$SERVER_URL/metrics")" = 200 ] ||
  fail "/metrics on the server itself should answer an admin"
cookie="$(client 127.0.0.2 -D - -o /dev/null -H 'Content-Type: application/json' \
  --data '{"name": "carol", "password": "proxy-test-password-1"}' "$BASE/api/v1/session" |
  tr -d '\r' | grep -i '^set-cookie: as_session=' || true)"
[ -n "$cookie" ] || fail "logging in through the proxy set no session cookie"
grep -qi '; *secure' <<<"$cookie" || fail "the session cookie is not Secure over HTTPS: $cookie"
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' 'a' >"$WORK/big.json"
[ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/big.json" "$BASE/api/v1/orders")" = 413 ] ||
  fail "a body over 1 MiB should be refused with 413"
echo "ok: /metrics hidden, Secure session cookie, bodies over 1 MiB refused"

echo "--- rate limits"
# How many requests from address $1 to path $2 the server has logged.
served() {
  grep '^{' "$WORK/app.err" | jq -c --arg a "$1" --arg p "$2" 'select(.remote == $a and .path == $p)' | wc -l
}
# Waits until the server has logged $3 requests from $1 to $2 (its log
# line follows the answer), then checks it logged exactly that many.
expect_served() {
  local i
  for ((i = 0; i < 50; i++)); do
    [ "$(served "$1" "$2")" -ge "$3" ] && break
    sleep 0.1
  done
  local seen
  seen="$(served "$1" "$2")"
  [ "$seen" -eq "$3" ] || fail "the server logged $seen requests from $1 to $2; nginx passed $3"
}
# 200 requests at once from one address: the API allows 20 per second with
# bursts of 40 (without delay), so at least 41 pass, and the rest but those
# the rate refills are refused, as problem+json, before the server.
urls=()
for ((i = 0; i < 200; i++)); do urls+=(-o /dev/null "$BASE/healthz"); done
started=$SECONDS
client 127.0.0.5 --parallel --parallel-max 20 --no-progress-meter -w '%{http_code}\n' "${urls[@]}" \
  >"$WORK/burst.txt" 2>"$WORK/burst.err"
took=$((SECONDS - started))
ok="$(grep -c '^200$' "$WORK/burst.txt" || true)"
limited="$(grep -c '^429$' "$WORK/burst.txt" || true)"
[ $((ok + limited)) -eq 200 ] || fail "the burst got other answers than 200 and 429: $(sort "$WORK/burst.txt" | uniq -c | tr '\n' ' ')"
[ "$ok" -ge 41 ] || fail "only $ok of 200 requests at once passed; the burst allows 41"
[ "$limited" -ge 1 ] || fail "none of 200 requests at once (in $took s) was limited"
expect_served 127.0.0.5 /healthz "$ok"
# One limited answer in full, from a second burst at once (requests in a
# row could come slower than 20 per second on a busy machine). Each answer's
# head and body go to one file (--include): curl's --dump-header files can
# hold another transfer's head when transfers run in parallel.
mkdir -p "$WORK/burst2"
urls=()
for ((i = 0; i < 100; i++)); do urls+=(-o "$WORK/burst2/$i.answer" "$BASE/healthz"); done
client 127.0.0.5 --parallel --parallel-max 20 --no-progress-meter --include "${urls[@]}" 2>"$WORK/burst2.err"
limited_answer="$(grep -l '^HTTP/[0-9.]* 429' "$WORK"/burst2/*.answer | head -1 || true)"
[ -n "$limited_answer" ] || fail "none of a second burst of 100 requests at once was limited"
tr -d '\r' <"$limited_answer" >"$WORK/limited.answer"
sed '/^$/q' "$WORK/limited.answer" >"$WORK/limited.headers"
problem="$(sed '1,/^$/d' "$WORK/limited.answer")"
[ "$(jq -r .code <<<"$problem")" = rate_limited ] || fail "a limited request should answer problem+json rate_limited: $problem"
grep -qi '^content-type: application/problem+json$' "$WORK/limited.headers" || fail "429 without problem+json content type"
grep -qi '^retry-after: 1$' "$WORK/limited.headers" || fail "429 without Retry-After"
grep -qi '^strict-transport-security: ' "$WORK/limited.headers" || fail "429 without HSTS"
# Logins: 10 per minute with bursts of 5 (without delay): of 10 at once,
# 6 reach the server. (Each tries another name, so that the server's own
# lockout of a name never answers.)
login_codes=""
login_pids=()
for ((i = 0; i < 10; i++)); do
  client 127.0.0.6 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"name\": \"dave$i\", \"password\": \"wrong-password\"}" "$BASE/api/v1/session" >"$WORK/login$i.code" &
  login_pids+=($!)
done
wait "${login_pids[@]}"
for ((i = 0; i < 10; i++)); do login_codes+="$(cat "$WORK/login$i.code") "; done
sleep 1
seen="$(served 127.0.0.6 /api/v1/session)"
[ "$seen" -le 7 ] || fail "$seen of 10 logins at once reached the server: $login_codes"
[ "$(grep -o 429 <<<"$login_codes" | wc -l)" -eq $((10 - seen)) ] ||
  fail "every login that did not reach the server should answer 429: $login_codes"
# Another address is not limited by the first ones' bursts.
[ "$(client 127.0.0.7 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] || fail "the limit is not per address"
echo "ok: $limited of 200 requests at once limited (429 problem+json, Retry-After), $ok served;" \
  "$seen of 10 logins reached the server ($login_codes)"

stop_server_cleanly "$SERVER_PID"
