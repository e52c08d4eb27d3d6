#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests (tests/CMakeLists.txt runs
# it as the CTest fixture `postgres`; tests/support/pg_test_database.h reads the
# URI it writes).
#   scripts/pg-test-cluster.sh start DIR   creates DIR, a fresh cluster in DIR/data listening on
#                                          127.0.0.1 only (a free port chosen here, the unix socket
#                                          in DIR), starts it, writes its libpq URI
#                                          (postgresql://postgres@127.0.0.1:PORT/postgres) to DIR/uri
#                                          and prints it. A cluster already running in DIR is
#                                          stopped and replaced by a fresh one.
#   scripts/pg-test-cluster.sh stop DIR    stops the cluster (fast shutdown) and removes DIR; fine
#                                          when nothing runs or DIR is gone.
# Authentication is `trust` for the superuser postgres: local tests only.
# PostgreSQL refuses to run as root, so as root (CI) the server runs as the
# `postgres` user (the postgresql-15 package creates it) and DIR is given
# to it. The binaries: $PG_BINDIR, else /usr/lib/postgresql/15/bin, else
# `pg_config --bindir`. The server's log is DIR/server.log.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
die() {
  echo "pg-test-cluster: $*" >&2
  exit 1
}

[ $# -eq 2 ] || usage
action="$1"
dir="$2"
[ -n "$dir" ] || usage
# An absolute path without a trailing slash: the socket directory and the
# server's own paths must not depend on the caller's working directory.
case "$dir" in
  /*) ;;
  *) dir="$PWD/$dir" ;;
esac
dir="${dir%/}"
case "$dir" in
  "" | / | /tmp | "$HOME") die "refusing to use $2 as the cluster directory" ;;
esac
data="$dir/data"
log="$dir/server.log"
marker="$dir/.pg-test-cluster"  # what stop checks before it removes DIR

bindir="${PG_BINDIR:-}"
if [ -z "$bindir" ]; then
  if [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
    bindir=/usr/lib/postgresql/15/bin
  elif command -v pg_config >/dev/null 2>&1; then
    bindir="$(pg_config --bindir)"
  fi
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ] || [ ! -x "$bindir/initdb" ]; then
  die "no PostgreSQL server binaries (initdb, pg_ctl) in '${bindir:-?}': install postgresql-15 (scripts/install-deps.sh) or set PG_BINDIR"
fi

# Runs a command as the cluster's owner: the postgres user when we are root.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the server as"
  command -v runuser >/dev/null 2>&1 || die "running as root, but runuser (util-linux) is missing"
  as_owner=(runuser -u postgres --)
fi
run_as_owner() {
  if ((${#as_owner[@]})); then "${as_owner[@]}" "$@"; else "$@"; fi
}

print_log_tail() {
  if [ -f "$log" ]; then
    echo "---- last lines of $log ----" >&2
    tail -n 40 "$log" >&2 || true
    echo "----" >&2
  fi
}

# Whether a server runs on DIR/data (pg_ctl status: 0 running, 3 not running).
running() {
  [ -f "$data/postmaster.pid" ] && run_as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

stop_server() {
  if running; then
    if ! run_as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null; then
      echo "pg-test-cluster: fast shutdown failed, trying immediate" >&2
      print_log_tail
      run_as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null ||
        die "cannot stop the server on $data"
    fi
  fi
}

remove_dir() {
  [ -e "$dir" ] || return 0
  if [ ! -f "$marker" ]; then
    die "$dir was not made by this script (no $(basename "$marker")): not removing it"
  fi
  if [ -f "$dir/socket_dir" ]; then
    local sockets
    sockets="$(cat "$dir/socket_dir")"
    case "$sockets" in /tmp/aftersales-pg.*) rm -rf "$sockets" ;; esac
  fi
  rm -rf "$dir"
}

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  if [ -e "$dir" ]; then
    if [ -f "$marker" ]; then
      echo "pg-test-cluster: replacing the cluster in $dir" >&2
      stop_server
      remove_dir
    elif [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
      die "$dir exists, is not empty and was not made by this script"
    fi
  fi
  mkdir -p "$dir"
  touch "$marker"
  if ((${#as_owner[@]})); then
    chown postgres: "$dir"
    run_as_owner test -w "$dir" -a -x "$dir" ||
      die "the postgres user cannot write to $dir (is a parent directory closed to other users?)"
  fi

  # The unix socket's path is limited to 107 bytes; a deep build directory
  # gets a short one under /tmp instead (removed by stop).
  local sockets="$dir"
  if [ $((${#dir} + 20)) -gt 100 ]; then
    sockets="$(mktemp -d /tmp/aftersales-pg.XXXXXX)"
    if ((${#as_owner[@]})); then chown postgres: "$sockets"; fi
    echo "$sockets" >"$dir/socket_dir"
  fi

  local t0
  t0="$(date +%s%3N)"
  # --no-sync: only initdb's own files skip fsync (a throwaway cluster); the
  # server keeps fsync=on.
  if ! run_as_owner "$bindir/initdb" -D "$data" -A trust -U postgres --encoding UTF8 --locale C --no-sync \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed for $data"
  fi
  # Settings for tests: local TCP only, many connections (each test process
  # opens a pool), durability as in production.
  cat >>"$data/postgresql.conf" <<EOF

# scripts/pg-test-cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockets'
max_connections = 200
fsync = on
synchronous_commit = on
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF

  # A free port from a random start, below Linux's ephemeral range
  # (32768-60999); the server's own bind decides (another process may take
  # a port between our probe and the server's start).
  local port=$((20000 + RANDOM % 12000))
  local tries=0 started=0
  while ((tries < 50)); do
    tries=$((tries + 1))
    port=$((port + 1))
    if ((port > 32767)); then port=20000; fi
    if port_taken "$port"; then continue; fi
    : >"$log" 2>/dev/null || true
    if ((${#as_owner[@]})); then chown postgres: "$log"; fi
    if run_as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>"$dir/pg_ctl.err"; then
      started=1
      break
    fi
    if grep -q -e "could not bind" -e "Address already in use" "$log" 2>/dev/null; then
      stop_server  # a half-started server, if any
      continue
    fi
    cat "$dir/pg_ctl.err" >&2
    print_log_tail
    die "the server on $data did not start"
  done
  if ((!started)); then
    print_log_tail
    die "no free TCP port found on 127.0.0.1 after $tries tries"
  fi
  rm -f "$dir/pg_ctl.err"

  if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 10; then
    print_log_tail
    die "the server on $data started but does not accept connections on 127.0.0.1:$port"
  fi
  local uri="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "$port" >"$dir/port"
  echo "$uri" >"$dir/uri.tmp"
  mv "$dir/uri.tmp" "$dir/uri"
  echo "pg-test-cluster: PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') in $data," \
    "started in $(($(date +%s%3N) - t0)) ms" >&2
  echo "$uri"
}

case "$action" in
  start) start ;;
  stop)
    if [ ! -e "$dir" ]; then
      echo "pg-test-cluster: nothing in $dir" >&2
      exit 0
    fi
    if [ ! -f "$marker" ]; then
      die "$dir was not made by this script (no $(basename "$marker")): not stopping or removing anything"
    fi
    stop_server
    remove_dir
    echo "pg-test-cluster: stopped and removed $dir" >&2
    ;;
  *) usage ;;
esac
