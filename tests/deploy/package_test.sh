#!/usr/bin/env bash
# The Debian package of deploy/README.md, end to end on this machine:
#   1. cpack makes aftersales_<version>_<arch>.deb from this build folder;
#      its control data, files and conffiles are as documented, and
#      lintian finds no error or warning (with no override);
#   2. dpkg -i installs it: the aftersales system user, /var/lib/aftersales
#      (0750), the checkpoint key (0600, the user's), the units enabled,
#      `systemd-analyze verify` clean, and `aftersales --version` naming
#      this checkout's commit;
#   3. the service starts: with systemd (systemctl) where it runs, else the
#      unit's own command line as the unit's user (setpriv, no new
#      privileges), with the packaged configuration (only its port
#      changed): /healthz answers, the process runs as aftersales, the
#      configured checkpoints and trusted proxy apply;
#   4. the backup unit's command writes a backup that `audit verify` passes;
#   5. the service stops cleanly; dpkg --purge removes the package and its
#      configuration, and keeps the data and the key, as documented.
# Root only (CI runs as root). It refuses to touch a machine where the
# package, the user or its folders exist already; it removes everything it
# made, also on failure. One run at a time (a lock).
# shellcheck source=deploy_lib.sh
source "$(dirname "$0")/deploy_lib.sh"
require_programs cpack:cmake dpkg-deb:dpkg lintian:lintian setpriv:util-linux flock:util-linux \
  systemd-analyze:systemd git:git curl:curl jq:jq
[ "$(id -u)" = 0 ] || fail "the package test installs a package: run it as root"

exec 9>/var/lock/aftersales-package-test.lock
flock -w 900 9 || fail "another package test holds /var/lock/aftersales-package-test.lock"

SERVICE_USER=aftersales
STATE_DIR=/var/lib/aftersales
CONFIG_DIR=/etc/aftersales
UNIT_DIR=/lib/systemd/system

# --- 1. the package ------------------------------------------------------------
echo "--- cpack"
VERSION="$("$BIN" --version | sed -n 's/^aftersales \([^ ]*\) (commit .*)$/\1/p')"
[ -n "$VERSION" ] || fail "aftersales --version does not say the version: $("$BIN" --version)"
ARCH="$(dpkg --print-architecture)"
(cd "$BUILD_DIR" && cpack -G DEB -B "$WORK/packages") >"$WORK/cpack.out" 2>&1 ||
  fail "cpack failed: $(tail -20 "$WORK/cpack.out")"
DEB="$WORK/packages/aftersales_${VERSION}_${ARCH}.deb"
[ -f "$DEB" ] || fail "cpack made no $(basename "$DEB"): $(ls "$WORK/packages")"
echo "made $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"

dpkg-deb -f "$DEB" Package Version Architecture Maintainer Depends Section >"$WORK/control.txt"
grep -qx "Package: aftersales" "$WORK/control.txt" || fail "wrong Package: $(cat "$WORK/control.txt")"
grep -qx "Version: $VERSION" "$WORK/control.txt" || fail "wrong Version: $(cat "$WORK/control.txt")"
grep -q "^Depends: .*adduser" "$WORK/control.txt" || fail "Depends lacks adduser: $(cat "$WORK/control.txt")"
grep -q "^Depends: .*libc6" "$WORK/control.txt" || fail "Depends lacks the shared libraries: $(cat "$WORK/control.txt")"
grep -q "^Depends: .*tzdata" "$WORK/control.txt" || fail "Depends lacks tzdata (business calendars): $(cat "$WORK/control.txt")"
grep -q "^Depends: .*libdate-tz" "$WORK/control.txt" || fail "Depends lacks the date library: $(cat "$WORK/control.txt")"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$WORK/files.txt"
for path in /usr/bin/aftersales /usr/libexec/aftersales/aftersales-backup $UNIT_DIR/aftersales.service \
  $UNIT_DIR/aftersales-backup.service $UNIT_DIR/aftersales-backup.timer $CONFIG_DIR/aftersales.conf \
  /usr/share/man/man1/aftersales.1.gz /usr/share/doc/aftersales/copyright /usr/share/doc/aftersales/changelog.gz \
  /usr/share/doc/aftersales/deploy/README.md /usr/share/doc/aftersales/deploy/nginx/aftersales.conf \
  /usr/share/doc/aftersales/deploy/prometheus/aftersales-rules.yml \
  /usr/share/doc/aftersales/deploy/grafana/aftersales-dashboard.json /usr/share/doc/aftersales/integrating.md; do
  grep -qx "$path" "$WORK/files.txt" || fail "the package lacks $path"
done
dpkg-deb -e "$DEB" "$WORK/control"
[ "$(cat "$WORK/control/conffiles")" = "$CONFIG_DIR/aftersales.conf" ] ||
  fail "conffiles should list $CONFIG_DIR/aftersales.conf alone: $(cat "$WORK/control/conffiles")"
dpkg-deb -x "$DEB" "$WORK/unpacked"
# The changelog where the package puts it (Debian policy 12.7), relative to
# the unpacked tree.
PACKAGED_CHANGELOG=usr/share/doc/aftersales/changelog.gz
changelog_version="$(zcat "$WORK/unpacked/$PACKAGED_CHANGELOG" | head -1 | sed -n 's/^aftersales (\([^)]*\)).*/\1/p')"
[ "$changelog_version" = "$VERSION" ] ||
  fail "deploy/debian/changelog's newest entry is $changelog_version, the package $VERSION: add an entry"

echo "--- lintian"
if ! lintian -I --fail-on error,warning --tag-display-limit 0 "$DEB" >"$WORK/lintian.out" 2>&1; then
  cat "$WORK/lintian.out" >&2
  fail "lintian finds errors or warnings (above): fix them, or override one with its reason (deploy/README.md)"
fi
echo "lintian: no error or warning; its notes: $(grep -v 'root privileges' "$WORK/lintian.out" | tr '\n' ' ')"

# --- 2. installation -----------------------------------------------------------
echo "--- dpkg -i"
if dpkg-query -W -f='${Status}' aftersales 2>/dev/null | grep -q installed; then
  fail "the aftersales package is installed on this machine; the test would replace and purge it (dpkg --purge aftersales first)"
fi
getent passwd "$SERVICE_USER" >/dev/null && fail "a user $SERVICE_USER exists; the test would take it over and remove it"
for dir in "$STATE_DIR" "$CONFIG_DIR"; do
  [ -e "$dir" ] && fail "$dir exists; the test would take it over and remove it"
done
remove_everything() {
  dpkg --purge aftersales >/dev/null 2>&1
  rm -rf "$STATE_DIR" "$CONFIG_DIR"
  if getent passwd "$SERVICE_USER" >/dev/null; then userdel "$SERVICE_USER" 2>/dev/null; fi
  if getent group "$SERVICE_USER" >/dev/null; then groupdel "$SERVICE_USER" 2>/dev/null; fi
}
at_exit remove_everything
dpkg -i "$DEB" >"$WORK/dpkg-i.out" 2>&1 || fail "dpkg -i failed: $(cat "$WORK/dpkg-i.out")"

passwd_line="$(getent passwd "$SERVICE_USER")" || fail "the package made no $SERVICE_USER user"
IFS=: read -r _ _ uid _ _ home shell <<<"$passwd_line"
[ "$uid" -lt 1000 ] || fail "$SERVICE_USER is not a system user (uid $uid)"
[ "$shell" = /usr/sbin/nologin ] || fail "$SERVICE_USER can log in (shell $shell)"
[ "$home" = "$STATE_DIR" ] || fail "$SERVICE_USER's home is $home"
[ "$(stat -c '%U:%G %a' "$STATE_DIR")" = "$SERVICE_USER:$SERVICE_USER 750" ] ||
  fail "$STATE_DIR is $(stat -c '%U:%G %a' "$STATE_DIR")"
[ "$(stat -c '%U %a' "$CONFIG_DIR/audit.key")" = "$SERVICE_USER 600" ] ||
  fail "the checkpoint key is $(stat -c '%U %a' "$CONFIG_DIR/audit.key" 2>&1)"
[ -f "$CONFIG_DIR/audit.key.pub" ] || fail "no $CONFIG_DIR/audit.key.pub"
for link in /etc/systemd/system/multi-user.target.wants/aftersales.service \
  /etc/systemd/system/timers.target.wants/aftersales-backup.timer; do
  [ -L "$link" ] || fail "the package did not enable $(basename "$link") ($link)"
done
systemd-analyze verify "$UNIT_DIR/aftersales.service" "$UNIT_DIR/aftersales-backup.service" \
  "$UNIT_DIR/aftersales-backup.timer" >"$WORK/verify.out" 2>&1 ||
  fail "systemd-analyze verify refuses the units: $(cat "$WORK/verify.out")"

installed_version="$(/usr/bin/aftersales --version)"
[ "$installed_version" = "$("$BIN" --version)" ] || fail "the installed binary says '$installed_version'"
commit="$(git -C "$SOURCE_DIR" rev-parse --short=12 HEAD)"
grep -qE "^aftersales $VERSION \\(commit $commit(-dirty)?\\)$" <<<"$installed_version" ||
  fail "--version should name commit $commit: $installed_version"
echo "ok: installed $installed_version; user $SERVICE_USER (uid $uid), units enabled and verified"

# --- 3. the service ------------------------------------------------------------
echo "--- the service"
PORT="$(free_port)"
sed -i -E "s|^listen = .*|listen = \"127.0.0.1:$PORT\"|" "$CONFIG_DIR/aftersales.conf"
grep -qx "listen = \"127.0.0.1:$PORT\"" "$CONFIG_DIR/aftersales.conf" || fail "the packaged configuration has no listen line"
as_service_user() { setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups --no-new-privs -- "$@"; }
token="$(as_service_user /usr/bin/aftersales user add --db "$STATE_DIR/aftersales.db" --name ops --role admin |
  sed -n 's/^token: //p')"
[ -n "$token" ] || fail "aftersales user add as $SERVICE_USER printed no token"

# The unit's own settings, read from the installed file.
unit_value() { sed -n "s/^$2=//p" "$UNIT_DIR/$1" | tail -1; }
SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1
if [ "$SYSTEMD" = 1 ]; then
  systemctl daemon-reload
  systemctl restart aftersales.service || fail "systemctl restart aftersales: $(systemctl status aftersales 2>&1 | tail)"
  at_exit "systemctl stop aftersales.service 2>/dev/null"
  server_log() { journalctl -u aftersales.service --no-pager -o cat; }
  SERVICE_PID="$(systemctl show -p MainPID --value aftersales.service)"
else
  # No systemd: the unit's command line, user, folder and environment.
  [ "$(unit_value aftersales.service User)" = "$SERVICE_USER" ] || fail "the unit does not run as $SERVICE_USER"
  read -r -a exec_start <<<"$(unit_value aftersales.service ExecStart)"
  (cd "$(unit_value aftersales.service WorkingDirectory)" && exec setpriv --reuid="$SERVICE_USER" \
    --regid="$SERVICE_USER" --init-groups --no-new-privs -- "${exec_start[@]}") >"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  at_exit "kill -KILL $SERVICE_PID 2>/dev/null; wait $SERVICE_PID 2>/dev/null"
  server_log() { cat "$WORK/service.log"; }
fi
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ]; }
wait_until 300 healthy || fail "the service did not answer /healthz on port $PORT within 30 s: $(server_log | tail -5)"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$SERVICE_PID/status")" = "$uid" ] || fail "the service does not run as $SERVICE_USER"
[ "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$SERVICE_PID/status")" = 1 ] || fail "the service may gain privileges"
[ "$(stat -c %U "$STATE_DIR/aftersales.db")" = "$SERVICE_USER" ] || fail "the database is not the service user's"
# The configuration's checkpoints: one signed at start, served on /metrics.
has_checkpoint() { compgen -G "$STATE_DIR/checkpoints/checkpoint-*.json" >/dev/null; }
wait_until 100 has_checkpoint || fail "no checkpoint in $STATE_DIR/checkpoints: $(server_log | tail -5)"
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/metrics" >"$WORK/metrics.txt"
grep -qx 'aftersales_audit_checkpoint_interval_seconds 3600' "$WORK/metrics.txt" ||
  fail "the configured checkpoints are not on /metrics: $(grep checkpoint "$WORK/metrics.txt")"
grep -qE '^aftersales_audit_checkpoint_seq [1-9]' "$WORK/metrics.txt" || fail "/metrics shows no signed checkpoint"
# The configuration's trusted proxy (127.0.0.1): its X-Forwarded-For is believed.
curl -s -o /dev/null -H 'X-Forwarded-For: 198.51.100.77' "http://127.0.0.1:$PORT/api/v1/package-test"
forwarded() { server_log | grep '^{' | jq -r 'select(.path == "/api/v1/package-test") | .remote' | grep -qx 198.51.100.77; }
wait_until 50 forwarded || fail "the access log does not show the forwarded client: $(server_log | tail -3)"
echo "ok: the service answers on port $PORT as $SERVICE_USER ($([ "$SYSTEMD" = 1 ] && echo systemd || echo "the unit's command line, no systemd here")), checkpoints signed, the proxy trusted"

# --- 4. the backup unit ----------------------------------------------------------
echo "--- the backup unit"
if [ "$SYSTEMD" = 1 ]; then
  systemctl start aftersales-backup.service || fail "aftersales-backup.service failed: $(journalctl -u aftersales-backup --no-pager | tail)"
else
  [ "$(unit_value aftersales-backup.service User)" = "$SERVICE_USER" ] || fail "the backup unit does not run as $SERVICE_USER"
  mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$UNIT_DIR/aftersales-backup.service")
  env "${unit_env[@]}" setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups --no-new-privs -- \
    "$(unit_value aftersales-backup.service ExecStart)" >"$WORK/backup.log" 2>&1 ||
    fail "the backup unit's command failed: $(cat "$WORK/backup.log")"
fi
backup="$(find "$STATE_DIR/backups" -name 'aftersales-*.db' | head -1)"
[ -n "$backup" ] || fail "the backup unit wrote no backup into $STATE_DIR/backups"
[ "$(stat -c %U "$backup")" = "$SERVICE_USER" ] || fail "the backup is not the service user's"
/usr/bin/aftersales audit verify --db "$backup" >"$WORK/verify-backup.out" 2>&1 ||
  fail "audit verify refuses the backup: $(cat "$WORK/verify-backup.out")"
echo "ok: $(basename "$backup"): $(head -1 "$WORK/verify-backup.out")"

# --- 5. stop and purge -----------------------------------------------------------
echo "--- stop and purge"
if [ "$SYSTEMD" = 1 ]; then
  systemctl stop aftersales.service
  [ "$(systemctl show -p ExecMainStatus --value aftersales.service)" = 0 ] || fail "the service did not exit 0 on stop"
else
  stop_server_cleanly "$SERVICE_PID"
fi
server_log | grep -q 'aftersales serve: stopped' || fail "the service did not log its clean stop"
dpkg --purge aftersales >"$WORK/purge.out" 2>&1 || fail "dpkg --purge failed: $(cat "$WORK/purge.out")"
for gone in /usr/bin/aftersales "$UNIT_DIR/aftersales.service" "$CONFIG_DIR/aftersales.conf" \
  /etc/systemd/system/multi-user.target.wants/aftersales.service \
  /etc/systemd/system/timers.target.wants/aftersales-backup.timer; do
  [ ! -e "$gone" ] && [ ! -L "$gone" ] || fail "$gone is still there after the purge"
done
for kept in "$STATE_DIR/aftersales.db" "$backup" "$CONFIG_DIR/audit.key" "$CONFIG_DIR/audit.key.pub"; do
  [ -e "$kept" ] || fail "the purge removed $kept; the data and the key are kept"
done
echo "ok: stopped cleanly; purged, keeping the database, its backups and the key (now removed by this test)"
